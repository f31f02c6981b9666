"""The exim-style command line (spec: "The Exim command line").

``args.py`` turns argv into one Invocation and decides nothing else; ``main.py`` picks
the mode; every mode is one module here with ``run(invocation) -> int`` that returns
the exit status Exim would give. Modes print to stdout/stderr exactly as Exim does.
"""

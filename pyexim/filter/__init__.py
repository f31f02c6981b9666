"""Mail filters for the redirect router: Exim's filter language and Sieve (spec: "Exim's interfaces to mail filtering").

Contract: a filter file is parsed into commands and run against a message and an
address context; the result is a list of generated deliveries (deliver, save, pipe,
mail, ...) plus "seen"/"significant" state, or a filter error with the line.
"""

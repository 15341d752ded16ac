"""The review web app: analysts check, correct, search and map tagged documents.

``create_app`` (in ``app``) builds it; nothing here is imported by the command line until
``cluster-nlp review`` runs, so FastAPI stays out of the CLI's start-up.
"""

"""The operations console: the service centre's web pages, served by the central service."""

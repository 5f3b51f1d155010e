"""Thin shells over one Bot: Gradio chat and admin, the HTTP API, the embeddable widget."""

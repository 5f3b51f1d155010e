"""safe_markdown: what the chat hands to Gradio's Markdown renderer (pure text logic)."""

from __future__ import annotations

from ui.safe_markdown import safe_markdown


def test_raw_html_is_escaped_outside_code_only():
    text = (
        'Hi <img src=x onerror="alert(1)"> and `<b>code</b>`.\n\n'
        '```html\n<iframe src="x"></iframe>\n```\n<script>x</script>'
    )
    assert safe_markdown(text) == (
        'Hi &lt;img src=x onerror="alert(1)"> and `<b>code</b>`.\n\n'
        '```html\n<iframe src="x"></iframe>\n```\n&lt;script>x&lt;/script>'
    )


def test_images_become_their_alt_text_and_only_web_and_mail_links_stay():
    text = (
        "![diagram](https://example.com/d.png) ![ref image][1] "
        "[docs](https://example.com/docs) [mail](mailto:a@example.com) "
        "[bad](javascript:alert(1)) [local](/admin) [data](data:text/html;base64,PHM+)"
    )
    assert safe_markdown(text) == (
        "diagram ref image [docs](https://example.com/docs) [mail](mailto:a@example.com) "
        "bad) local data"
    )


def test_markdown_itself_is_untouched():
    text = "**Bold**, *it*, a list:\n\n1. one\n2. two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quote"
    assert safe_markdown(text) == text


def test_an_unclosed_fence_keeps_the_rest_as_code():
    assert safe_markdown("Run:\n```\n<b>still code</b>") == "Run:\n```\n<b>still code</b>"

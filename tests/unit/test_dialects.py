"""Markdown dialects and MDX: each dialect's markup goes, its text stays, read by the real loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge._dialects import normalise
from knowledge.loaders import load_file

FIXTURES = Path(__file__).parent.parent / "fixtures" / "helpcenter"


def md(text: str, mdx: bool = False) -> str:
    return normalise(text, mdx=mdx)[0].strip()


def sections(tmp_path: Path, name: str, text: str) -> dict[str, str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return {doc.section: doc.text for doc in load_file(path).documents}


# --- Obsidian ----------------------------------------------------------------------------------


def test_wiki_links_become_their_text_with_or_without_alias():
    text = (
        "See [[Refund policy]], the [[Refund policy|refund rules]] and [[Shipping#Costs]] or [[#Fees]]."
    )
    assert md(text) == "See Refund policy, the refund rules and Shipping > Costs or Fees."


def test_obsidian_embeds_block_ids_highlights_and_comments_go():
    text = (
        "Plug the kettle in. ^plug-in\n\n"
        "![[kettle-front.png]]\n"
        "![[Safety notes#Water]]\n\n"
        "Fill it to the ==MAX== line. %% internal: check with QA %%\n\n"
        "^standalone-id\n"
    )
    assert md(text) == "Plug the kettle in.\n\nFill it to the MAX line."


def test_obsidian_callout_with_title_and_fold_marker():
    text = "> [!warning]- Hot surface\n> Let it cool for **10 minutes**.\n> Then clean it.\n\nAfter."
    assert md(text) == "Warning: Hot surface. Let it cool for **10 minutes**.\nThen clean it.\n\nAfter."


# --- GitHub, MkDocs, Docusaurus ----------------------------------------------------------------


def test_github_alert_becomes_labelled_text():
    assert md("> [!NOTE]\n> Refunds take 5 days.\n") == "Note: Refunds take 5 days."
    assert md("> [!IMPORTANT]\n> Keep the receipt.") == "Important: Keep the receipt."


def test_plain_blockquote_stays_a_blockquote():
    assert md("> Quoted customer review.") == "> Quoted customer review."


def test_mkdocs_admonitions_dedent_their_body():
    text = (
        '!!! tip "Save energy"\n    Boil only the water you need.\n\n'
        "??? danger\n    Never open the base.\n\n"
        "Back to normal text.\n"
    )
    assert md(text) == (
        "Tip: Save energy. Boil only the water you need.\n\n"
        "Danger: Never open the base.\n\nBack to normal text."
    )


def test_docusaurus_admonitions_with_and_without_title():
    text = ":::note\nReturns are free.\n:::\n\n:::caution[Fragile items]\nPack glass in bubble wrap.\n:::\n"
    assert md(text) == "Note: Returns are free.\n\nCaution: Fragile items. Pack glass in bubble wrap."


def test_label_before_a_list_stays_on_its_own_line():
    text = ":::tip\n- Descale monthly\n- Use filtered water\n:::"
    assert md(text) == "Tip\n\n- Descale monthly\n- Use filtered water"


# --- Inline HTML, comments, images, links ------------------------------------------------------


def test_inline_html_becomes_text():
    text = (
        "Press <kbd>Ctrl</kbd> + <kbd>K</kbd> to <u>search</u>.<br>Then pick a page.\n"
        "<!-- editor note: update in May -->\n"
        'Read <a href="https://example.com/a">the guide</a> or <span style="color:red">call us</span>.'
    )
    assert md(text) == "Press Ctrl + K to search.\nThen pick a page.\n\nRead the guide or call us."


def test_images_go_and_only_web_links_stay_links():
    text = (
        "![Kettle](/img/kettle.png)\n"
        '<img src="x.png" alt="x" onerror="alert(1)">\n'
        "See [pricing](https://example.com/pricing \"Prices\"), [our FAQ](/faq#fees), "
        "[mail us](mailto:help@example.com) and [top](#top)."
    )
    assert md(text) == (
        "See [pricing](https://example.com/pricing \"Prices\"), our FAQ, "
        "[mail us](mailto:help@example.com) and top."
    )


def test_code_spans_and_fences_are_left_exactly_as_written():
    text = (
        "Write `<Note>` or `[[link]]` literally.\n\n"
        "    ```html\n    <iframe src=\"x\"></iframe>\n\n    <Note>kept</Note>\n    ```\n"
    )
    assert md(text, mdx=True) == (
        "Write `<Note>` or `[[link]]` literally.\n\n"
        "```html\n<iframe src=\"x\"></iframe>\n\n<Note>kept</Note>\n```"
    )


def test_triple_backticks_inside_a_line_are_inline_code_not_a_fence():
    assert md("```npm i``` is all.\n\nNext <u>step</u>.") == "```npm i``` is all.\n\nNext step."


def test_a_cut_fence_is_closed():
    assert md("Run:\n\n```bash\nhelpdesk serve\n") == "Run:\n\n```bash\nhelpdesk serve\n```"


def test_a_stray_bold_marker_goes_but_balanced_ones_stay():
    assert md("Click **Save and **Close.\n\nThen **Exit**.") == "Click **Save and **Close.\n\nThen **Exit**."
    assert md("Click **Save and Close.\n\nThen **Exit**.") == "Click Save and Close.\n\nThen **Exit**."


# --- Front matter ------------------------------------------------------------------------------


def test_front_matter_gives_title_description_and_fields():
    text = '---\ntitle: "Returns"\ndescription: How to send things back\ntags: [refund, policy]\n---\n\nBody.'
    body, front = normalise(text)
    assert (front.title, front.description) == ("Returns", "How to send things back")
    assert front.fields["tags"] == ["refund", "policy"]
    assert body.strip() == "How to send things back\n\nBody."


def test_a_thematic_break_at_the_top_is_not_front_matter():
    body, front = normalise("---\nJust a line between rules.\n---\n\nBody.")
    assert front.title == "" and "Just a line between rules." in body


# --- MDX ---------------------------------------------------------------------------------------


def test_mdx_imports_exports_and_jsx_comments_go():
    text = (
        "import { Tabs, Tab } from 'nextra/components'\n"
        "import Callout from '../components/Callout';\n"
        "export const meta = { draft: true }\n\n"
        "{/* TODO: screenshot */}\n"
        "Import your contacts from a CSV file.\n"
        "{/* a comment\n   over two lines */}\n"
    )
    assert md(text, mdx=True) == "Import your contacts from a CSV file."


def test_mdx_steps_are_numbered_and_keep_their_titles():
    text = (
        "<Steps>\n"
        '  <Step title="Create an account">\n    Register with your work email.\n  </Step>\n'
        '  <Step title="Invite your team">\n    - Open **Members**\n    - Click **Invite**\n  </Step>\n'
        "</Steps>\n"
    )
    assert md(text, mdx=True) == (
        "Step 1: Create an account. Register with your work email.\n\n"
        "Step 2: Invite your team\n\n- Open **Members**\n- Click **Invite**"
    )


def test_steps_holding_code_keep_counting_and_the_code_stays_whole():
    text = (
        "<Steps>\n"
        '  <Step title="Install">\n    ```bash\n    pip install helpdesk\n\n    helpdesk --version\n    ```\n  </Step>\n'
        '  <Step title="Start">\n    Run `helpdesk serve`.\n  </Step>\n'
        "</Steps>\n"
    )
    assert md(text, mdx=True) == (
        "Step 1: Install\n\n```bash\npip install helpdesk\n\nhelpdesk --version\n```\n\n"
        "Step 2: Start. Run `helpdesk serve`."
    )


def test_mdx_callouts_tabs_cards_frames_and_badges():
    text = (
        "<Note>\n  Changes apply at once.\n</Note>\n\n"
        "<Warning>Deleting a workspace cannot be undone.</Warning>\n\n"
        '<Tabs>\n  <Tab title="macOS">\n    Press Cmd+K.\n  </Tab>\n'
        '  <Tab title="Windows">\n    Press Ctrl+K.\n  </Tab>\n</Tabs>\n\n'
        '<CardGroup cols={2}>\n  <Card title="Chat bubble" icon="comment" href="/bubble">\n'
        "    A floating button.\n  </Card>\n</CardGroup>\n\n"
        '<Frame caption="Screenshot">\n  ![Settings](/images/settings.png)\n</Frame>\n\n'
        'Available on <Badge color="blue">Team</Badge> plans.\n'
    )
    assert md(text, mdx=True) == (
        "Note: Changes apply at once.\n\n"
        "Warning: Deleting a workspace cannot be undone.\n\n"
        "macOS: Press Cmd+K.\n\nWindows: Press Ctrl+K.\n\n"
        "Chat bubble: A floating button.\n\n"
        "Available on Team plans."
    )


def test_badges_beside_a_heading_are_said_under_it_with_what_they_label(tmp_path):
    # "Which plans have load balancing?" finds the plans beside the feature's name
    text = '## Load balancing <Badge color="blue">Professional</Badge> <Badge>Team</Badge>\n\nSpread requests.\n'
    assert md(text, mdx=True) == "## Load balancing\n\nLoad balancing: Professional, Team\n\nSpread requests."
    assert sections(tmp_path, "models.mdx", text) == {
        "Load balancing": "Load balancing: Professional, Team\n\nSpread requests."}


def test_mdx_component_written_over_several_lines():
    text = '<Card\n  title="Iframe"\n  icon="window"\n>\n  Embedded in the page.\n</Card>'
    assert md(text, mdx=True) == "Iframe: Embedded in the page."


def test_mdx_table_cells_keep_callouts_and_lists_as_text():
    text = (
        "| Action | Description |\n|:--|:--|\n"
        "| Disable | Excluded from retrieval. <Note>Inactive documents are disabled:"
        "<ul><li>Sandbox: 7 days</li><li>Team: 30 days</li></ul> Re-enable **with one click**.</Note>|\n"
        "| Add | Add chunks.<br/><br/>Parent-child mode too.<Info>On <Badge>Team</Badge>.</Info>|\n"
    )
    assert md(text, mdx=True) == (
        "| Action | Description |\n|:--|:--|\n"
        "| Disable | Excluded from retrieval. Note: Inactive documents are disabled: "
        "Sandbox: 7 days; Team: 30 days; Re-enable **with one click**. |\n"
        "| Add | Add chunks. Parent-child mode too. Note: On Team. |"
    )


def test_chinese_pages_get_chinese_labels():
    text = (
        "<Note>\n  教育优惠仅适用于年付计划。\n</Note>\n\n"
        "<Warning>删除后无法恢复。</Warning>\n\n"
        '<Steps>\n  <Step title="创建账户">\n    使用教育邮箱注册。\n  </Step>\n</Steps>\n'
    )
    assert md(text, mdx=True) == (
        "注意：教育优惠仅适用于年付计划。\n\n警告：删除后无法恢复。\n\n第 1 步：创建账户。使用教育邮箱注册。"
    )


def test_accordions_become_sections_and_text_after_them_returns_to_the_parent(tmp_path):
    text = (
        "---\ntitle: Billing\n---\n\n## FAQ\n\n<AccordionGroup>\n"
        '  <Accordion title="Why was I charged $59?">\n    You chose the monthly plan.\n  </Accordion>\n'
        '  <Accordion title="Can I use a personal email?">\n    No.\n  </Accordion>\n'
        "</AccordionGroup>\n\nStill in the FAQ section.\n"
    )
    found = sections(tmp_path, "billing.mdx", text)
    assert found == {
        "FAQ > Why was I charged $59?": "You chose the monthly plan.",
        "FAQ > Can I use a personal email?": "No.",
        "FAQ": "Still in the FAQ section.",
    }


def test_mdx_files_are_loaded_with_the_front_matter_title(tmp_path):
    path = tmp_path / "billing.en.mdx"
    path.write_bytes((FIXTURES / "billing.en.mdx").read_bytes())
    loaded = load_file(path)
    assert loaded.title == "Billing"
    by_section = {d.section: d.text for d in loaded.documents}
    assert by_section["Dify for Education > Steps"].startswith(
        "Step 1: Create Account. Register at [cloud.dify.ai](https://cloud.dify.ai/signin)"
    )
    assert "Note: The education discount only applies to the Yearly Professional plan." in (
        by_section["Dify for Education > Steps"]
    )
    assert by_section["Dify for Education > FAQ > Why was I charged $59?"].startswith(
        "You likely selected the Monthly Professional plan."
    )
    assert by_section[""].startswith("Manage your workspace subscription")


@pytest.mark.parametrize("name", ["billing.en.mdx", "billing.zh.mdx", "embed-web-app.en.mdx"])
def test_real_pages_are_markup_free_outside_code(name):
    text, _ = normalise((FIXTURES / name).read_text(encoding="utf-8"), mdx=True)
    prose, fence = [], ""
    for line in text.split("\n"):
        if line.startswith(("```", "~~~")):
            fence = "" if fence else line[:3]
        elif not fence:
            prose.append(line)
    assert not fence, "a fence was left open"
    prose_text = "\n".join(prose)
    for markup in ("<", "/>", "[[", "![", "{/*", ":::", "title=", "\x01", "\x02", "\x03"):
        assert markup not in prose_text, markup
    assert all(p.count("**") % 2 == 0 for p in prose_text.split("\n\n"))


# --- HTML exports of hosted help centers -------------------------------------------------------

EXPORT = """<html><head><title>Install the app</title></head><body><main>
<h1>Install the app</h1>
<p>Press <kbd>Ctrl</kbd>+<kbd>K</kbd> and type <code>install</code>. <u>Admins only</u>.</p>
<img src="shot.png" alt="Screenshot of the menu">
<div class="admonition warning"><p class="admonition-title">Warning</p><p>Back up your data first.</p></div>
<div class="theme-admonition theme-admonition-tip alert alert--success">
  <div class="admonitionHeading_Gvgb"><span><svg></svg></span>Faster setup</div>
  <div class="admonitionContent_BuS1"><p>Use the installer.</p></div></div>
<div class="markdown-alert markdown-alert-note"><p class="markdown-alert-title">Note</p>
  <ul><li>Windows 10 or later</li><li>4 GB RAM</li></ul></div>
<pre><code class="language-bash">helpdesk ingest  docs/

helpdesk serve --port 8000</code></pre>
<table><thead><tr><th>Plan</th><th>Seats</th></tr></thead>
<tbody><tr><td>Team</td><td>10 | more on request</td></tr></tbody></table>
</main></body></html>"""


def test_html_export_keeps_callouts_code_and_tables_as_markdown(tmp_path):
    found = sections(tmp_path, "install.html", EXPORT)
    assert found == {
        "Install the app": (
            "Press Ctrl+K and type `install`. Admins only.\n\n"
            "Warning: Back up your data first.\n\n"
            "Tip: Faster setup. Use the installer.\n\n"
            "Note\n\n- Windows 10 or later\n- 4 GB RAM\n\n"
            "```bash\nhelpdesk ingest  docs/\n\nhelpdesk serve --port 8000\n```\n\n"
            "| Plan | Seats |\n| --- | --- |\n| Team | 10 \\| more on request |"
        )
    }


def test_html_callouts_in_a_chinese_page_get_chinese_labels(tmp_path):
    page = '<main><p>退货须知。</p><div class="callout callout-warning"><p>拆封的茶叶不能退货。</p></div></main>'
    assert sections(tmp_path, "退货.html", page) == {"": "退货须知。\n\n警告：拆封的茶叶不能退货。"}

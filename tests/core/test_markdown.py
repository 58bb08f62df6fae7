from bastion.lib.markdown import render


def test_markdown_keeps_the_document_and_drops_scripts_and_handlers():
    html = render(
        "## Rules\n\n**Keep** passwords private.<script>alert(1)</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n- one\n- two'
    )
    assert "<h2>Rules</h2>" in html
    assert "<strong>Keep</strong>" in html
    assert "<li>one</li>" in html
    assert "<script" not in html and "alert" not in html and "onerror" not in html


def test_only_web_and_mail_links_survive():
    html = render(
        "[bad](javascript:alert(1)) [good](https://example.org) [mail](mailto:a@b.example)"
    )
    assert "javascript" not in html
    assert 'href="https://example.org"' in html
    assert 'href="mailto:a@b.example"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_empty_text_renders_nothing():
    assert render("") == ""

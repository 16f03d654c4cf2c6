from solution import conditional_get, make_etag, none_match, parse_entity_tags

BODY = b"hello"


def test_header_name_is_case_insensitive():
    etag = make_etag(BODY)
    for name in ("if-none-match", "IF-NONE-MATCH", "If-None-Match"):
        status, _, _ = conditional_get("GET", {name: etag}, BODY)
        assert status == 304, f"header {name!r} should be honoured, got {status}"


def test_head_has_headers_but_no_body():
    status, headers, sent = conditional_get("HEAD", {}, BODY, content_type="text/plain")
    assert status == 200 and sent == b"", f"HEAD: expected 200 and empty body, got {status} {sent!r}"
    assert headers["Content-Length"] == "5" and headers["Content-Type"] == "text/plain", f"unexpected {headers!r}"
    status, _, _ = conditional_get("HEAD", {"If-None-Match": make_etag(BODY)}, BODY)
    assert status == 304, f"HEAD with a matching tag: expected 304, got {status}"


def test_other_methods_rejected():
    for method in ("POST", "PUT", "DELETE", "get"):
        try:
            conditional_get(method, {}, BODY)
        except ValueError:
            continue
        raise AssertionError(f"method {method!r} should raise ValueError")


def test_changed_body_gets_full_response():
    old = make_etag(b"old body")
    status, headers, sent = conditional_get("GET", {"If-None-Match": old}, BODY, cache_control="no-cache")
    assert status == 200 and sent == BODY, f"stale tag: expected 200, got {status}"
    assert headers["Cache-Control"] == "no-cache", f"cache_control not applied: {headers!r}"


def test_empty_and_missing_headers_match_nothing():
    assert not none_match(None, '"a"')
    assert not none_match("", '"a"')
    assert not none_match("   ", '"a"')


def test_wildcard_with_whitespace():
    assert none_match("  * ", '"a"'), "' * ' is the wildcard"


def test_comma_inside_quotes_is_not_a_separator():
    assert not none_match('"v1,gzip"', '"v1"'), '"v1,gzip" is one tag, it does not contain "v1"'
    assert none_match('"v1,gzip"', '"v1,gzip"')


def test_malformed_members_are_skipped():
    got = parse_entity_tags('abc, "ok", W/bad, "unterminated')
    assert got == ['"ok"'], f"expected only the well-formed tag, got {got!r}"
    assert parse_entity_tags("") == []
    got = parse_entity_tags(' ,, "a",,"b" ')
    assert got == ['"a"', '"b"'], f"empty list members should be ignored, got {got!r}"


def test_weak_etag_on_server_side_matches_strong_in_header():
    assert none_match('"abc"', 'W/"abc"'), "weak comparison ignores W/ on either side"
    assert none_match('W/"abc"', 'W/"abc"')

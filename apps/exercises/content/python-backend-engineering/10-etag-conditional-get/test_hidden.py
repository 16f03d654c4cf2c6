from solution import conditional_get, make_etag, none_match, parse_entity_tags

BODY = b"hello"


def matched(header, candidates):
    """The candidate etags that none_match(header, etag) matches."""
    return [etag for etag in candidates if none_match(header, etag)]


def test_header_name_is_case_insensitive(check):
    etag = make_etag(BODY)
    for name in ("if-none-match", "IF-NONE-MATCH", "If-None-Match"):
        status, _, _ = conditional_get("GET", {name: etag}, BODY)
        check(f"status with header {name!r} holding the body's etag", status)


def test_head_has_headers_but_no_body(check):
    status, headers, sent = conditional_get("HEAD", {}, BODY, content_type="text/plain")
    check("HEAD: (status, body sent)", (status, sent))
    check("HEAD: (Content-Length, Content-Type)", (headers["Content-Length"], headers["Content-Type"]))
    status, _, _ = conditional_get("HEAD", {"If-None-Match": make_etag(BODY)}, BODY)
    check("HEAD with the body's etag: status", status)


def test_other_methods_rejected(check):
    for method in ("POST", "PUT", "DELETE", "get"):
        check.raises(f"conditional_get({method!r}, ...)", ValueError, conditional_get, method, {}, BODY)
    status, headers, _ = conditional_get("GET", {}, BODY)
    check("GET: (status, ETag)", (status, headers.get("ETag")))


def test_changed_body_gets_full_response(check):
    old = make_etag(b"old body")
    status, headers, sent = conditional_get("GET", {"If-None-Match": old}, BODY, cache_control="no-cache")
    check("stale tag: (status, body sent)", (status, sent))
    check("stale tag: Cache-Control", headers["Cache-Control"])


def test_empty_and_missing_headers_match_nothing(check):
    check("none_match(None, '\"a\"')", none_match(None, '"a"'))
    check("none_match('', '\"a\"')", none_match("", '"a"'))
    check("none_match('   ', '\"a\"')", none_match("   ", '"a"'))
    candidates = ['"a"', '"b"', '"ab"']
    check("candidates matched by each header (None, '', '   ', '\"a\"')", [matched(h, candidates) for h in (None, "", "   ", '"a"')])


def test_wildcard_with_whitespace(check):
    check("none_match('  * ', '\"a\"')", none_match("  * ", '"a"'))
    check("candidates matched by '  * '", matched("  * ", ['"a"', 'W/"b"', '"v1,gzip"']))


def test_comma_inside_quotes_is_not_a_separator(check):
    check("none_match('\"v1,gzip\"', '\"v1\"')", none_match('"v1,gzip"', '"v1"'))
    check("none_match('\"v1,gzip\"', '\"v1,gzip\"')", none_match('"v1,gzip"', '"v1,gzip"'))
    candidates = ['"v1"', '"gzip"', '"v1,gzip"', '"v1,gzip,br"']
    check("candidates matched by '\"v1,gzip\"'", matched('"v1,gzip"', candidates))


def test_malformed_members_are_skipped(check):
    check("parse_entity_tags('abc, \"ok\", W/bad, \"unterminated')", parse_entity_tags('abc, "ok", W/bad, "unterminated'))
    check("parse_entity_tags('')", parse_entity_tags(""))
    check("parse_entity_tags(' ,, \"a\",,\"b\" ')", parse_entity_tags(' ,, "a",,"b" '))


def test_weak_etag_on_server_side_matches_strong_in_header(check):
    check("none_match('\"abc\"', 'W/\"abc\"')", none_match('"abc"', 'W/"abc"'))
    check("none_match('W/\"abc\"', 'W/\"abc\"')", none_match('W/"abc"', 'W/"abc"'))
    candidates = ['"abc"', 'W/"abc"', '"ab"', 'W/"abcd"']
    check("candidates matched by 'W/\"abc\"'", matched('W/"abc"', candidates))

"""Visible tests: each one calls your code and checks what it gives.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label.
"""

from solution import conditional_get, make_etag, none_match, parse_entity_tags

BODY = b'{"courses": ["python-backend-engineering"]}'


def test_make_etag(check):
    check("make_etag(BODY)", make_etag(BODY))
    check("make_etag(BODY, weak=True)", make_etag(BODY, weak=True))


def test_parse_list_with_comma_inside_quotes(check):
    header = ' "v1,gzip" , W/"x", junk, "y"'
    check(f"parse_entity_tags({header!r})", parse_entity_tags(header))


def test_weak_comparison_and_lists(check):
    check("none_match('W/\"abc\"', '\"abc\"')", none_match('W/"abc"', '"abc"'))
    check("none_match('\"zzz\", \"abc\"', '\"abc\"')", none_match('"zzz", "abc"', '"abc"'))
    check("none_match('\"abd\"', '\"abc\"')", none_match('"abd"', '"abc"'))
    check("none_match('*', '\"abc\"')", none_match("*", '"abc"'))
    candidates = ['"abc"', 'W/"abc"', '"abd"', '"zzz"', 'W/"zzz"', '"zz"']
    header = '"zzz", W/"abc"'
    check(f"which candidate etags none_match({header!r}, etag) matches", [t for t in candidates if none_match(header, t)])


def test_full_and_not_modified_responses(check):
    status, headers, sent = conditional_get("GET", {}, BODY)
    check("GET without If-None-Match: status", status)
    check("GET without If-None-Match: body sent", sent)
    check("GET without If-None-Match: Content-Length", headers.get("Content-Length"))
    etag = headers.get("ETag")
    status, headers, sent = conditional_get("GET", {"If-None-Match": etag}, BODY)
    check("GET with If-None-Match: <its ETag>: (status, body sent)", (status, sent))
    check("GET with If-None-Match: <its ETag>: headers", headers)

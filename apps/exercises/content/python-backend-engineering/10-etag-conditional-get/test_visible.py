import hashlib

from solution import conditional_get, make_etag, none_match, parse_entity_tags

BODY = b'{"courses": ["python-backend-engineering"]}'


def test_make_etag():
    digest = hashlib.sha256(BODY).hexdigest()[:16]
    assert make_etag(BODY) == f'"{digest}"', f"unexpected strong etag {make_etag(BODY)!r}"
    assert make_etag(BODY, weak=True) == f'W/"{digest}"', f"unexpected weak etag {make_etag(BODY, weak=True)!r}"


def test_parse_list_with_comma_inside_quotes():
    got = parse_entity_tags(' "v1,gzip" , W/"x", junk, "y"')
    want = ['"v1,gzip"', 'W/"x"', '"y"']
    assert got == want, f"expected {want!r}, got {got!r}"


def test_weak_comparison_and_lists():
    assert none_match('W/"abc"', '"abc"'), 'W/"abc" should match "abc" under weak comparison'
    assert none_match('"zzz", "abc"', '"abc"'), "a match anywhere in the list counts"
    assert not none_match('"abd"', '"abc"'), "different tags must not match"
    assert none_match("*", '"abc"'), "* matches any representation"


def test_full_and_not_modified_responses():
    status, headers, sent = conditional_get("GET", {}, BODY)
    assert status == 200 and sent == BODY, f"expected 200 with the body, got {status} {sent!r}"
    assert headers.get("Content-Length") == str(len(BODY)), f"unexpected headers {headers!r}"
    etag = headers["ETag"]
    status, headers, sent = conditional_get("GET", {"If-None-Match": etag}, BODY)
    assert (status, sent) == (304, b""), f"expected 304 with empty body, got {status} {sent!r}"
    assert headers == {"ETag": etag, "Cache-Control": "max-age=60"}, f"unexpected 304 headers {headers!r}"

import hmac

import solution
from solution import ExpiredToken, InvalidToken, b64url_decode, b64url_encode, sign, verify

KEY = b"k" * 32
NOW = 1_800_000_000


def claims(**extra):
    return {"sub": "user-42", "aud": "orders-api", "exp": NOW + 600, **extra}


def rejects(token, exc=InvalidToken, not_exc=None, **kw):
    kw = {"audience": "orders-api", "now": NOW, **kw}
    try:
        got = verify(token, KEY, **kw)
    except exc as caught:
        if not_exc is not None and isinstance(caught, not_exc):
            raise AssertionError(f"expected {exc.__name__} but not {not_exc.__name__}")
        return
    except Exception as other:
        raise AssertionError(f"expected {exc.__name__}, got {type(other).__name__}: {other}")
    raise AssertionError(f"expected {exc.__name__}, but the token was accepted: {got!r}")


def raw_token(header: dict | bytes, payload: dict | bytes, key=KEY):
    import json

    h = b64url_encode(header if isinstance(header, bytes) else json.dumps(header).encode())
    p = b64url_encode(payload if isinstance(payload, bytes) else json.dumps(payload).encode())
    sig = hmac.new(key, f"{h}.{p}".encode(), "sha256").digest()
    return f"{h}.{p}.{b64url_encode(sig)}"


def test_b64url_helpers():
    assert b64url_encode(b"\xfb\xff") == "-_8"
    assert b64url_decode("-_8") == b"\xfb\xff"
    for bad in ("ab+c", "ab/c", "abc=", "a b", "a"):
        try:
            b64url_decode(bad)
        except InvalidToken:
            continue
        raise AssertionError(f"b64url_decode({bad!r}) should raise InvalidToken")


def test_alg_none_and_other_algorithms_rejected():
    payload = claims()
    h = b64url_encode(b'{"alg":"none","typ":"JWT"}')
    p = b64url_encode(b'{"sub":"admin","aud":"orders-api","exp":1800000600}')
    rejects(f"{h}.{p}.")
    for alg in ("none", "HS512", "hs256", "RS256"):
        rejects(raw_token({"alg": alg, "typ": "JWT"}, payload))
    rejects(raw_token({"typ": "JWT"}, payload))


def test_malformed_tokens_raise_invalid_token_only():
    good = sign(claims(), KEY)
    for bad in ("", "abc", "a.b", good + ".x", good.replace(".", "..", 1), "###.###.###", "e30.e30.%%"):
        rejects(bad)
    rejects(raw_token(b"[1,2]", claims()))
    rejects(raw_token(b"not json", claims()))
    rejects(raw_token({"alg": "HS256"}, b"[]"))
    rejects(raw_token({"alg": "HS256"}, b"\xff\xfe"))


def test_forged_expired_token_is_not_reported_as_expired():
    header, _, signature = sign(claims(), KEY).split(".")
    forged = b64url_encode(b'{"sub":"x","aud":"orders-api","exp":1}')
    rejects(f"{header}.{forged}.{signature}", InvalidToken, not_exc=ExpiredToken)


def test_required_claims_and_types():
    for missing in ("exp", "sub", "aud"):
        payload = claims()
        del payload[missing]
        rejects(sign(payload, KEY))
    rejects(sign(claims(exp="1900000000"), KEY))
    rejects(sign(claims(exp=True), KEY))


def test_expiry_boundary_and_leeway():
    token = sign(claims(exp=NOW), KEY)
    rejects(token, ExpiredToken)
    assert verify(token, KEY, audience="orders-api", now=NOW, leeway=30)["sub"] == "user-42"
    rejects(token, ExpiredToken, now=NOW + 30, leeway=30)
    assert verify(sign(claims(exp=NOW + 0.5), KEY), KEY, audience="orders-api", now=NOW)


def test_not_before():
    token = sign(claims(nbf=NOW + 10), KEY)
    rejects(token, InvalidToken, not_exc=ExpiredToken)
    assert verify(token, KEY, audience="orders-api", now=NOW + 10)["sub"] == "user-42"
    assert verify(token, KEY, audience="orders-api", now=NOW, leeway=10)["sub"] == "user-42"


def test_audience_string_or_list():
    rejects(sign(claims(aud="billing-api"), KEY))
    assert verify(sign(claims(aud=["billing-api", "orders-api"]), KEY), KEY, audience="orders-api", now=NOW)
    rejects(sign(claims(aud=["billing-api"]), KEY))
    rejects(sign(claims(aud="orders"), KEY), audience="orders-api")


def test_signature_compared_with_compare_digest():
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append(1)
        return real(a, b)

    hmac.compare_digest = spy
    had_name = hasattr(solution, "compare_digest")
    if had_name:
        original_local = solution.compare_digest
        solution.compare_digest = spy
    try:
        verify(sign(claims(), KEY), KEY, audience="orders-api", now=NOW)
    finally:
        hmac.compare_digest = real
        if had_name:
            solution.compare_digest = original_local
    assert calls, "compare the signature with hmac.compare_digest, not =="


def test_truncated_signature_rejected():
    token = sign(claims(), KEY)
    rejects(token[:-4])
    rejects(token[:-4] + "AAAA")

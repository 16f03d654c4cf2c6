import hmac
import json

import solution
from solution import ExpiredToken, InvalidToken, b64url_decode, b64url_encode, sign, verify

KEY = b"k" * 32
NOW = 1_800_000_000


def claims(**extra):
    return {"sub": "user-42", "aud": "orders-api", "exp": NOW + 600, **extra}


def attempt(token, **kw):
    """verify(token, KEY) with audience 'orders-api' and now=NOW unless given."""
    return verify(token, KEY, **{"audience": "orders-api", "now": NOW, **kw})


def rejection(token, **kw):
    """How verify() turned the token down: 'ExpiredToken', 'InvalidToken' (any other
    InvalidToken) or 'accepted'. Any other exception stops the test."""
    try:
        attempt(token, **kw)
    except ExpiredToken:
        return "ExpiredToken"
    except InvalidToken:
        return "InvalidToken"
    return "accepted"


def raw_token(header: dict | bytes, payload: dict | bytes, key=KEY):
    h = b64url_encode(header if isinstance(header, bytes) else json.dumps(header).encode())
    p = b64url_encode(payload if isinstance(payload, bytes) else json.dumps(payload).encode())
    sig = hmac.new(key, f"{h}.{p}".encode(), "sha256").digest()
    return f"{h}.{p}.{b64url_encode(sig)}"


def test_b64url_helpers(check):
    check("b64url_encode(b'\\xfb\\xff')", b64url_encode(b"\xfb\xff"))
    check("b64url_decode('-_8')", b64url_decode("-_8"))
    for bad in ("ab+c", "ab/c", "abc=", "a b", "a"):
        check.raises(f"b64url_decode({bad!r})", InvalidToken, b64url_decode, bad)


def test_alg_none_and_other_algorithms_rejected(check):
    payload = claims()
    h = b64url_encode(b'{"alg":"none","typ":"JWT"}')
    p = b64url_encode(b'{"sub":"admin","aud":"orders-api","exp":1800000600}')
    check.raises("alg 'none' and an empty signature", InvalidToken, attempt, f"{h}.{p}.")
    for alg in ("none", "HS512", "hs256", "RS256"):
        check.raises(f"alg {alg!r}, HMAC-SHA256 signature with KEY", InvalidToken, attempt, raw_token({"alg": alg, "typ": "JWT"}, payload))
    check.raises("no alg in the header", InvalidToken, attempt, raw_token({"typ": "JWT"}, payload))
    check(
        "alg 'HS256' built the same way (json.dumps with spaces): verify(...)['sub']",
        attempt(raw_token({"alg": "HS256", "typ": "JWT"}, payload))["sub"],
    )


def test_malformed_tokens_raise_invalid_token_only(check):
    good = sign(claims(), KEY)
    for label, bad in (
        ("''", ""),
        ("'abc'", "abc"),
        ("'a.b'", "a.b"),
        ("a valid token + '.x'", good + ".x"),
        ("a valid token with its first '.' doubled", good.replace(".", "..", 1)),
        ("'###.###.###'", "###.###.###"),
        ("'e30.e30.%%'", "e30.e30.%%"),
    ):
        check.raises(f"verify({label})", InvalidToken, attempt, bad)
    check.raises("header [1,2] (not an object)", InvalidToken, attempt, raw_token(b"[1,2]", claims()))
    check.raises("header 'not json'", InvalidToken, attempt, raw_token(b"not json", claims()))
    check.raises("payload [] (not an object)", InvalidToken, attempt, raw_token({"alg": "HS256"}, b"[]"))
    check.raises("payload bytes ff fe (not UTF-8)", InvalidToken, attempt, raw_token({"alg": "HS256"}, b"\xff\xfe"))
    check("verify(the valid token)['aud']", attempt(good)["aud"])


def test_forged_expired_token_is_not_reported_as_expired(check):
    token = sign(claims(), KEY)
    header, _, signature = token.split(".")
    forged = b64url_encode(b'{"sub":"x","aud":"orders-api","exp":1}')
    check("how a forged token with exp 1 is rejected", rejection(f"{header}.{forged}.{signature}"))
    check("verify(the genuine token)['exp']", attempt(token)["exp"])


def test_required_claims_and_types(check):
    for missing in ("exp", "sub", "aud"):
        payload = claims()
        del payload[missing]
        check.raises(f"claims without {missing!r}", InvalidToken, attempt, sign(payload, KEY))
    check.raises("exp '1900000000' (a string)", InvalidToken, attempt, sign(claims(exp="1900000000"), KEY))
    check.raises("exp True", InvalidToken, attempt, sign(claims(exp=True), KEY))
    check("verify(a token with exactly sub, aud and exp)", attempt(sign(claims(), KEY)))


def test_expiry_boundary_and_leeway(check):
    token = sign(claims(exp=NOW), KEY)
    check.raises("exp == now", ExpiredToken, attempt, token)
    check("exp == now, leeway=30: verify(...)['sub']", attempt(token, leeway=30)["sub"])
    check.raises("exp == now - 30, leeway=30", ExpiredToken, attempt, token, now=NOW + 30, leeway=30)
    check("exp == now + 0.5: verify(...)['exp']", attempt(sign(claims(exp=NOW + 0.5), KEY))["exp"])


def test_not_before(check):
    token = sign(claims(nbf=NOW + 10), KEY)
    check("how a token with nbf = now + 10 is rejected", rejection(token))
    check("nbf = now: verify(...)['sub']", attempt(token, now=NOW + 10)["sub"])
    check("nbf = now + 10, leeway=10: verify(...)['sub']", attempt(token, leeway=10)["sub"])


def test_audience_string_or_list(check):
    check.raises("aud 'billing-api'", InvalidToken, attempt, sign(claims(aud="billing-api"), KEY))
    check("aud ['billing-api', 'orders-api']: verify(...)['sub']", attempt(sign(claims(aud=["billing-api", "orders-api"]), KEY))["sub"])
    check.raises("aud ['billing-api']", InvalidToken, attempt, sign(claims(aud=["billing-api"]), KEY))
    check.raises("aud 'orders' (a prefix of 'orders-api')", InvalidToken, attempt, sign(claims(aud="orders"), KEY), audience="orders-api")


def test_signature_compared_with_compare_digest(check):
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
        got = attempt(sign(claims(), KEY))
    finally:
        hmac.compare_digest = real
        if had_name:
            solution.compare_digest = original_local
    check("verify(a valid token)['sub']", got["sub"])
    check("hmac.compare_digest was called", len(calls) > 0)


def test_truncated_signature_rejected(check):
    token = sign(claims(), KEY)
    check.raises("a valid token without the last 4 characters", InvalidToken, attempt, token[:-4])
    check.raises("a valid token with its last 4 characters replaced by 'AAAA'", InvalidToken, attempt, token[:-4] + "AAAA")
    check("verify(the valid token)['sub']", attempt(token)["sub"])

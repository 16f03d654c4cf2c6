"""Visible tests: each one calls your code and checks what it returns.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label, outside the sandbox. The expected values are listed
on the exercise page and shown in a failing test's message.
"""

from solution import ExpiredToken, InvalidToken, b64url_encode, sign, verify

KEY = b"k" * 32
NOW = 1_800_000_000
CLAIMS = {"sub": "user-42", "aud": "orders-api", "exp": 1_900_000_000}


def test_sign_produces_a_standard_jwt(check):
    check("sign(CLAIMS, KEY)", sign(CLAIMS, KEY))


def test_valid_token_round_trip(check):
    check("verify(sign(CLAIMS, KEY), KEY, audience='orders-api', now=NOW)", verify(sign(CLAIMS, KEY), KEY, audience="orders-api", now=NOW))


def test_tampered_payload_is_rejected(check):
    token = sign(CLAIMS, KEY)
    header, _, signature = token.split(".")
    forged = b64url_encode(b'{"sub":"admin","aud":"orders-api","exp":1900000000}')
    check.raises(
        "verify(the token with its payload replaced by sub 'admin')",
        InvalidToken,
        verify,
        f"{header}.{forged}.{signature}",
        KEY,
        audience="orders-api",
        now=NOW,
    )
    check("verify(the untouched token)['sub']", verify(token, KEY, audience="orders-api", now=NOW)["sub"])


def test_wrong_key_and_expiry(check):
    check.raises(
        "verify(a token signed with another key)",
        InvalidToken,
        verify,
        sign(CLAIMS, b"another key of 32 bytes........."),
        KEY,
        audience="orders-api",
        now=NOW,
    )
    token = sign(CLAIMS, KEY)
    check.raises("verify(token, now=1_900_000_000), exp 1_900_000_000", ExpiredToken, verify, token, KEY, audience="orders-api", now=1_900_000_000)
    check("verify(token, now=1_899_999_999)['exp']", verify(token, KEY, audience="orders-api", now=1_899_999_999)["exp"])

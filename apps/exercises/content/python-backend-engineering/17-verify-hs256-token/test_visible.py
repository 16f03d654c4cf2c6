from solution import ExpiredToken, InvalidToken, b64url_encode, sign, verify

KEY = b"k" * 32
NOW = 1_800_000_000
CLAIMS = {"sub": "user-42", "aud": "orders-api", "exp": 1_900_000_000}


def rejects(token, exc=InvalidToken, **kw):
    kw = {"audience": "orders-api", "now": NOW, **kw}
    try:
        got = verify(token, kw.pop("key", KEY), **kw)
    except exc:
        return True
    except Exception as other:
        raise AssertionError(f"expected {exc.__name__}, got {type(other).__name__}: {other}")
    raise AssertionError(f"expected {exc.__name__}, but the token was accepted: {got!r}")


def test_sign_produces_a_standard_jwt():
    token = sign(CLAIMS, KEY)
    want = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJzdWIiOiJ1c2VyLTQyIiwiYXVkIjoib3JkZXJzLWFwaSIsImV4cCI6MTkwMDAwMDAwMH0."
        "Vqi728KxieVd9hx0Df30JdAXEjqxxlT02QjgTzA5afs"
    )
    assert token == want, f"expected\n{want}\ngot\n{token}"


def test_valid_token_round_trip():
    got = verify(sign(CLAIMS, KEY), KEY, audience="orders-api", now=NOW)
    assert got == CLAIMS, f"expected {CLAIMS!r}, got {got!r}"


def test_tampered_payload_is_rejected():
    header, _, signature = sign(CLAIMS, KEY).split(".")
    forged = b64url_encode(b'{"sub":"admin","aud":"orders-api","exp":1900000000}')
    rejects(f"{header}.{forged}.{signature}")


def test_wrong_key_and_expiry():
    rejects(sign(CLAIMS, b"another key of 32 bytes........."))
    rejects(sign(CLAIMS, KEY), ExpiredToken, now=1_900_000_000)

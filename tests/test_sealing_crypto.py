"""Properties of the hybrid encryption and of the YAML writer, on arbitrary input."""

from __future__ import annotations

import base64
import functools
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_seldon.sealing.crypto import DecryptError, open_value, seal_value, shape_of
from gitops_seldon.sealing.sealedsecret import to_yaml
from gitops_seldon.source import parse


@functools.cache
def key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@settings(max_examples=40, deadline=None)
@given(plain=st.binary(max_size=3000), label=st.binary(max_size=80),
       other=st.binary(max_size=80))
def test_round_trip_and_label_binding(plain: bytes, label: bytes, other: bytes) -> None:
    value = seal_value(key().public_key(), plain, label)
    shape = shape_of(value)
    assert shape.wrapped == 256 and shape.plaintext == len(plain)
    assert open_value([key()], value, label) == plain
    if other != label:
        with pytest.raises(DecryptError):
            open_value([key()], value, other)


@settings(max_examples=30, deadline=None)
@given(flip=st.integers(min_value=0))
def test_any_flipped_byte_fails(flip: int) -> None:
    raw = bytearray(base64.b64decode(seal_value(key().public_key(), b"payload", b"ns/n")))
    raw[flip % len(raw)] ^= 0x01
    with pytest.raises(DecryptError):
        open_value([key()], base64.b64encode(bytes(raw)).decode(), b"ns/n")


def test_sealing_twice_differs() -> None:
    first = seal_value(key().public_key(), b"same", b"")
    assert first != seal_value(key().public_key(), b"same", b"")


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
plain_words = st.text(string.ascii_letters + string.digits + "-_./+=:", max_size=30)
scalars = st.one_of(text, plain_words, st.none(), st.booleans(), st.integers())


@settings(max_examples=400, deadline=None)
@given(tree=st.recursive(st.dictionaries(st.one_of(text, plain_words), scalars, max_size=5),
                         lambda children: st.dictionaries(st.one_of(text, plain_words),
                                                          children, max_size=4),
                         max_leaves=20))
def test_yaml_writer_round_trips(tree: dict[str, Any]) -> None:
    documents, problems = parse(to_yaml(tree), "x.yaml")
    assert not problems
    assert (documents[0].data if documents else {}) == tree

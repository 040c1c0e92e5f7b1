"""Sealed secrets without kubeseal: the upstream hybrid encryption, certificates read as
kubeseal reads them, and SealedSecret objects built and merged as ``kubeseal --merge-into``
does. See docs/sealing.md and reference/sealed-secrets/format.md.

Modules that need the ``cryptography`` package import it inside functions, so importing
this package (as ``validate`` does) stays cheap.
"""

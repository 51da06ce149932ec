"""Verifies a custody record with securesystemslib's DSSE implementation, as docs/evidence.md shows.

Usage: python verify_dsse.py RECORD PUBLIC_KEY_PEM
Prints the statement's subject and predicate type on success (exit 0); exit 1 with the reason if
securesystemslib does not accept the envelope.
"""
import hashlib
import json
import sys

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey


def main(record_path, key_path):
    with open(key_path, "rb") as f:
        public_key = load_pem_public_key(f.read())
    # the record's keyid: SHA-256 of the public key's DER SubjectPublicKeyInfo
    der = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    key = SSlibKey.from_crypto(public_key, keyid=hashlib.sha256(der).hexdigest())
    with open(record_path, "rb") as f:
        envelope = Envelope.from_dict(json.load(f))
    try:
        envelope.verify([key], 1)
    except Exception as e:  # VerificationError and friends: report, do not trace
        print(f"rejected: {type(e).__name__}: {e}")
        return 1
    statement = json.loads(envelope.payload)
    subject = statement["subject"][0]
    print(json.dumps({"scheme": key.scheme, "keyid": key.keyid, "payloadType": envelope.payload_type,
                      "_type": statement["_type"], "predicateType": statement["predicateType"],
                      "subject": subject["name"], "sha256": subject["digest"]["sha256"]}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

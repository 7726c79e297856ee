"""Schemathesis hooks for the admin API's document: the string formats it declares that no
generator knows. `pem-certificates`, `pem-certificate-chain` and `pem-private-key` are PEM text the service checks (a PUT
with text that is not a usable certificate or key, or a key of another certificate, is refused
with 422), so random strings would be refused however well they match the schema. Generated
here from the test's own certificates (the directory in BRIDGE_TEST_PEM_DIRECTORY, made by
TestCertificates): certificates to trust (the test CA, the client certificate, both), the client
certificate (alone or followed by its CA) and its key, so that any combination the generator
draws is one the service must accept."""
import os
from pathlib import Path

import schemathesis
from hypothesis import strategies as st

directory = Path(os.environ["BRIDGE_TEST_PEM_DIRECTORY"])
ca = (directory / "ca.pem").read_text()
client = (directory / "client.pem").read_text()
key = (directory / "client.key").read_text()

schemathesis.openapi.format("pem-certificates", st.sampled_from([ca, client, ca + client]))
schemathesis.openapi.format("pem-certificate-chain", st.sampled_from([client, client + ca]))
schemathesis.openapi.format("pem-private-key", st.just(key))

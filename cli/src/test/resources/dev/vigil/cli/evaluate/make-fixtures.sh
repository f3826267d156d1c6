#!/bin/sh
# Re-creates attestor.yaml and attestations.json (run from this folder: sh make-fixtures.sh).
# A P-256 key made by openssl signs a simple signing payload for
# us-docker.pkg.dev/acme/app/api@sha256:aaaa... (64 a).
set -eu
D=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
printf '%s' "{\"critical\":{\"identity\":{\"docker-reference\":\"us-docker.pkg.dev/acme/app/api\"},\"image\":{\"docker-manifest-digest\":\"$D\"},\"type\":\"Google cloud binauthz container signature\"}}" > payload.json
openssl ecparam -name prime256v1 -genkey -noout -out key.pem
openssl ec -in key.pem -pubout -out pub.pem
openssl dgst -sha256 -sign key.pem -out payload.sig payload.json
{
  echo "name: projects/acme/attestors/built-by-ci"
  echo "userOwnedGrafeasNote:"
  echo "  noteReference: projects/acme/notes/built-by-ci"
  echo "  publicKeys:"
  echo "  - id: ci-key-1"
  echo "    pkixPublicKey:"
  echo "      signatureAlgorithm: ECDSA_P256_SHA256"
  echo "      publicKeyPem: |"
  sed 's/^/        /' pub.pem
} > attestor.yaml
cat > attestations.json <<JSON
[{"name": "projects/acme/occurrences/1", "kind": "ATTESTATION",
  "noteName": "projects/acme/notes/built-by-ci",
  "resourceUri": "https://us-docker.pkg.dev/acme/app/api@$D",
  "attestation": {"serializedPayload": "$(base64 -w0 payload.json)",
                  "signatures": [{"publicKeyId": "ci-key-1", "signature": "$(base64 -w0 payload.sig)"}]},
  "createTime": "2026-11-20T10:00:00Z"}]
JSON
rm -f key.pem pub.pem payload.json payload.sig

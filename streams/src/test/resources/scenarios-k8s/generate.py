#!/usr/bin/env python3
"""Writes the inputs of the scenario folders (not expected.jsonl: `vigil replay` records that, and
a person reviews it). Signed attestations use the committed test key `keys/ci-key-1.pem`, made once
with `openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out keys/ci-key-1.pem`;
each payload is signed with `openssl dgst -sha256 -sign keys/ci-key-1.pem` (ECDSA P-256, DER).
ECDSA signatures are randomised, so re-running changes attestations.json bytes, not the outcome.
Run from this folder: python3 generate.py"""
import base64, json, os, subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = os.path.join(HERE, "keys", "ci-key-1.pem")
API = "us-docker.pkg.dev/acme/app/api"
WEB = "us-docker.pkg.dev/acme/app/web"
WORKER = "docker.io/acme/worker"
def digest(c): return "sha256:" + c * 64
T0 = "2026-11-20T10:00:00Z"
def t(sec): return "2026-11-20T10:%02d:%02dZ" % (sec // 60, sec % 60)

def public_pem():
    return subprocess.run(["openssl", "pkey", "-in", KEY, "-pubout"], check=True, capture_output=True, text=True).stdout

def attestor_yaml():
    pem = "".join("        " + l + "\n" for l in public_pem().strip().splitlines())
    return ("name: projects/acme/attestors/built-by-ci\n"
            "userOwnedGrafeasNote:\n  noteReference: projects/acme/notes/built-by-ci\n"
            "  publicKeys:\n  - id: ci-key-1\n    pkixPublicKey:\n      signatureAlgorithm: ECDSA_P256_SHA256\n"
            "      publicKeyPem: |\n" + pem)

def occurrence(name, image, d):
    payload = json.dumps({"critical": {"identity": {"docker-reference": image},
                                       "image": {"docker-manifest-digest": d},
                                       "type": "Google cloud binauthz container signature"}},
                         separators=(",", ":")).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=payload, check=True,
                         capture_output=True).stdout
    return {"name": "projects/acme/occurrences/" + name, "kind": "ATTESTATION",
            "noteName": "projects/acme/notes/built-by-ci", "resourceUri": "https://%s@%s" % (image, d),
            "attestation": {"serializedPayload": base64.b64encode(payload).decode(),
                            "signatures": [{"publicKeyId": "ci-key-1", "signature": base64.b64encode(sig).decode()}]},
            "createTime": T0, "updateTime": T0}

def policy(mode, whitelist=(), enforcement="ENFORCED_BLOCK_AND_AUDIT_LOG", attestor=False):
    y = "name: projects/acme/policy\nglobalPolicyEvaluationMode: DISABLE\n"
    if whitelist:
        y += "admissionWhitelistPatterns:\n" + "".join("- namePattern: %s\n" % w for w in whitelist)
    y += "defaultAdmissionRule:\n  evaluationMode: %s\n  enforcementMode: %s\n" % (mode, enforcement)
    if attestor:
        y += "  requireAttestationsBy:\n  - projects/acme/attestors/built-by-ci\n"
    return y

def pod(ns, deploy, suffix, image, d, rv, created, annotations=None):
    rs = deploy + "-7d9f8c6b5"
    name = rs + "-" + suffix
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "uid": "uid-" + name, "resourceVersion": str(rv),
                         "creationTimestamp": created, "labels": {"app": deploy, "pod-template-hash": "7d9f8c6b5"},
                         "annotations": annotations or {},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs,
                                              "uid": "uid-" + rs, "controller": True, "blockOwnerDeletion": True}]},
            "spec": {"serviceAccountName": "default",
                     "containers": [{"name": deploy, "image": "%s@%s" % (image, d)}]},
            "status": {"phase": "Running",
                       "containerStatuses": [{"name": deploy, "image": "%s@%s" % (image, d),
                                              "imageID": "%s@%s" % (image, d), "ready": True,
                                              "restartCount": 0, "started": True}]}}

def watch(typ, p): return {"type": typ, "object": p}

def audit(p, audit_id, annotations):
    request = json.loads(json.dumps(p))
    request["metadata"] = {k: v for k, v in p["metadata"].items() if k not in ("uid", "resourceVersion", "creationTimestamp")}
    request.pop("status")
    return {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse", "auditID": audit_id,
            "stage": "ResponseComplete", "requestURI": "/api/v1/namespaces/%s/pods" % p["metadata"]["namespace"],
            "verb": "create",
            "user": {"username": "system:serviceaccount:kube-system:replicaset-controller",
                     "groups": ["system:serviceaccounts", "system:authenticated"]},
            "sourceIPs": ["10.0.0.2"], "userAgent": "kube-controller-manager/v1.30.4",
            "objectRef": {"resource": "pods", "namespace": p["metadata"]["namespace"], "name": p["metadata"]["name"],
                          "apiVersion": "v1"},
            "responseStatus": {"metadata": {}, "code": 201},
            "requestObject": request, "responseObject": p,
            "requestReceivedTimestamp": p["metadata"]["creationTimestamp"],
            "stageTimestamp": p["metadata"]["creationTimestamp"],
            "annotations": dict({"authorization.k8s.io/decision": "allow",
                                 "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding"}, **annotations)}

def write(folder, name, content):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name), "w") as f:
        f.write(content)

def jsonl(items): return "".join(json.dumps(i, separators=(",", ":")) + "\n" for i in items)

FAILED_OPEN = {"imagepolicywebhook.image-policy.k8s.io/failed-open": "true"}

# fail-open whose images comply: VERIFIED
api = [pod("payments", "api", s, API, digest("a"), 100 + i, t(10 + i)) for i, s in enumerate(["x2k4p", "q8m3z"])]
write("fail-open-verified", "policy.yaml", policy("ALWAYS_DENY", ["us-docker.pkg.dev/acme/app/**"]))
write("fail-open-verified", "pods.jsonl", jsonl(watch("ADDED", p) for p in api))
write("fail-open-verified", "audit.jsonl", jsonl(audit(p, "fo-%d" % i, FAILED_OPEN) for i, p in enumerate(api)))

# fail-open whose images violate: ESCALATED, and the pods' violations open
worker = [pod("batch", "worker", s, WORKER, digest("c"), 200 + i, t(20 + i)) for i, s in enumerate(["b7c2d", "n4v8r", "k1l9s"])]
write("fail-open-escalated", "policy.yaml", policy("ALWAYS_DENY", ["us-docker.pkg.dev/acme/app/**"]))
write("fail-open-escalated", "pods.jsonl", jsonl(watch("ADDED", p) for p in worker))
write("fail-open-escalated", "audit.jsonl", jsonl(audit(p, "fo-w-%d" % i, FAILED_OPEN) for i, p in enumerate(worker)))

# breakglass: open until acknowledged; the unsigned image violates
bg = pod("payments", "api", "h0tf1", API, digest("d"), 300, t(30), {"alpha.image-policy.k8s.io/break-glass": "true"})
signed = pod("payments", "web", "s1gnd", WEB, digest("b"), 301, t(31))
write("breakglass", "policy.yaml", policy("REQUIRE_ATTESTATION", attestor=True))
write("breakglass", "attestors.yaml", attestor_yaml())
write("breakglass", "attestations.json", json.dumps([occurrence("occ-web-b", WEB, digest("b"))], indent=2) + "\n")
write("breakglass", "pods.jsonl", jsonl([watch("ADDED", bg), watch("ADDED", signed)]))
write("breakglass", "audit.jsonl", jsonl([audit(bg, "bg-1", {})]))

# policy change re-judges running pods that had no new event
p1 = pod("payments", "api", "r2d2x", API, digest("a"), 400, t(40))
p2 = pod("payments", "web", "c3p0y", WEB, digest("b"), 401, t(41))
write("policy-change-rejudges-running-pods", "policy.yaml", policy("ALWAYS_ALLOW"))
# as `kubectl get pods -o json` writes it: a List of pods
write("policy-change-rejudges-running-pods", "pods.json",
      json.dumps({"apiVersion": "v1", "kind": "List", "items": [p1, p2], "metadata": {"resourceVersion": ""}},
                 indent=4) + "\n")
write("policy-change-rejudges-running-pods", "policy-update.yaml", policy("ALWAYS_DENY", [API + "@*"]))

# late attestation clears a violation
p1 = pod("payments", "api", "l8t3a", API, digest("a"), 500, t(50))
p2 = pod("payments", "web", "n0s1g", WEB, digest("b"), 501, t(51))
write("late-attestation-clears-violation", "policy.yaml", policy("REQUIRE_ATTESTATION", attestor=True))
write("late-attestation-clears-violation", "attestors.yaml", attestor_yaml())
# as `kubectl get pods --watch --output-watch-events -o json` really writes it: pretty-printed objects
# one after the other; the MODIFIED event changes nothing that matters and must not repeat a violation
p2b = json.loads(json.dumps(p2)); p2b["metadata"]["resourceVersion"] = "502"
p2b["status"]["containerStatuses"][0]["restartCount"] = 1
write("late-attestation-clears-violation", "pods.json",
      "".join(json.dumps(e, indent=4) + "\n" for e in [watch("ADDED", p1), watch("ADDED", p2), watch("MODIFIED", p2b)]))
write("late-attestation-clears-violation", "attestations-update.json",
      json.dumps([occurrence("occ-api-a", API, digest("a"))], indent=2) + "\n")

# registry hygiene: an allowlisted Artifact Registry image deployed by tag with a pull secret yields
# both hygiene findings, a third-party registry with a pull secret none; a tag that moved under a
# workload flags its pods until one digest is left (a deletion resolves)
def tagged(p, image, secrets=()):
    p = json.loads(json.dumps(p))
    p["spec"]["containers"][0]["image"] = image
    p["status"]["containerStatuses"][0]["image"] = image
    if secrets:
        p["spec"]["imagePullSecrets"] = [{"name": s} for s in secrets]
    return p
ar = tagged(pod("payments", "api", "t4g2a", API, digest("a"), 600, t(60)), API + ":2.0", ["artifact-registry-key"])
ghcr = pod("tools", "cli", "g3h1r", "ghcr.io/acme/cli", digest("c"), 601, t(61))
ghcr["spec"]["imagePullSecrets"] = [{"name": "ghcr-token"}]
web = [tagged(pod("payments", "web", s, WEB, digest(d), 602 + i, t(62 + i)), WEB + ":latest")
       for i, (s, d) in enumerate([("m0v3a", "b"), ("m0v3b", "e")])]
gone = json.loads(json.dumps(web[1])); gone["metadata"]["resourceVersion"] = "610"
gone["metadata"]["deletionTimestamp"] = t(70)
write("registry-hygiene", "policy.yaml", policy("ALWAYS_DENY", ["us-docker.pkg.dev/acme/**", "ghcr.io/acme/**"]))
write("registry-hygiene", "pods.jsonl", jsonl([watch("ADDED", ar), watch("ADDED", ghcr), watch("ADDED", web[0]),
                                              watch("ADDED", web[1]), watch("DELETED", gone)]))

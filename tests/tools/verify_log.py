#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""An independent verifier of iot-ca's transparency log proofs (RFC 9162), Python 3
hashlib only, no project code:

  verify_log.py inclusion PROOF.json CERT.pem [HEAD.json]
      PROOF.json is `iot-ca log proof SERIAL` (or one line of `--all`): the leaf hash is
      recomputed from CERT.pem's DER, the path checked per RFC 9162 §2.1.3.2 against
      root_hash, and, with HEAD.json (an exported log-head.json), that the proof's
      tree_size and root_hash are that head's.
  verify_log.py inclusion-lines PROOFS.jsonl CERTS_DIR
      every line of `iot-ca log proof --all`, each against CERTS_DIR/<serial>.pem
  verify_log.py head HEAD.json LEAVES.bin
      an exported log-head.json against log-leaves.bin: the leaves' size and SHA-256 as
      the head lists them, and their Merkle Tree Hash (RFC 9162 §2.1.1) its root_hash.
  verify_log.py consistency PROOF.json [OLD_HEAD.json NEW_HEAD.json]
      PROOF.json is `iot-ca log consistency OLD NEW`, checked per RFC 9162 §2.1.4.2;
      with the heads, that its sizes and roots are theirs.

Exit 0 when the proof holds, 1 (with a message on stderr) when it does not, 2 on usage.
"""
import base64
import hashlib
import json
import os
import re
import sys


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """RFC 9162 §2.1.1 over a list of leaf hashes, iteratively: a stack of perfect
    subtrees, merged as they complete (the tests import this one copy)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    stack = []  # (size, hash)
    for h in leaves:
        size = 1
        while stack and stack[-1][0] == size:
            h = node_hash(stack.pop()[1], h)
            size *= 2
        stack.append((size, h))
    h = stack.pop()[1]
    while stack:
        h = node_hash(stack.pop()[1], h)
    return h


def check_head(head, leaves):
    if len(leaves) % 32:
        return f"the leaves are {len(leaves)} bytes, not a multiple of 32"
    listed = head.get("leaves") or {}
    if listed.get("size") != len(leaves) or len(leaves) != 32 * size_of(head.get("tree_size"), "tree_size"):
        return "the leaves' size is not the head's"
    if listed.get("sha256") != hashlib.sha256(leaves).hexdigest():
        return "the leaves' SHA-256 is not the head's"
    root = mth([leaves[i:i + 32] for i in range(0, len(leaves), 32)])
    if root != unhex(head.get("root_hash"), "root_hash"):
        return f"the leaves hash to {root.hex()}, the head says {head.get('root_hash')}"
    return None


def unhex(text, what):
    if not isinstance(text, str) or not re.fullmatch(r"[0-9a-f]{64}", text):
        raise ValueError(f"{what} is not 64 lowercase hex digits")
    return bytes.fromhex(text)


def size_of(value, what):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what} is not a non-negative integer")
    return value


def pem_der(path):
    text = open(path, encoding="ascii").read()
    m = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)
    if not m:
        raise ValueError(f"{path} holds no PEM certificate")
    return base64.b64decode("".join(m.group(1).split()), validate=True)


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, path):
    """RFC 9162 §2.1.4.2; a tree is consistent with the empty tree and with itself."""
    if first > second:
        return False
    if first == 0:
        return not path and first_hash == hashlib.sha256(b"").digest()
    if first == second:
        return not path and first_hash == second_hash
    if not path:
        return False
    if first & (first - 1) == 0:
        path = [first_hash] + list(path)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_hash and sr == second_hash


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check_inclusion(proof, cert_path, head=None):
    index = size_of(proof.get("leaf_index"), "leaf_index")
    size = size_of(proof.get("tree_size"), "tree_size")
    root = unhex(proof.get("root_hash"), "root_hash")
    path = [unhex(h, "an inclusion_path entry") for h in proof.get("inclusion_path", None) or []]
    if not isinstance(proof.get("inclusion_path"), list):
        raise ValueError("inclusion_path is not a list")
    leaf = leaf_hash(pem_der(cert_path))
    if proof.get("leaf_hash") is not None and unhex(proof["leaf_hash"], "leaf_hash") != leaf:
        return "the certificate's leaf hash is not the proof's leaf_hash"
    if not verify_inclusion(index, size, leaf, path, root):
        return f"the inclusion path does not lead from leaf {index} to the root of tree size {size}"
    if head is not None:
        if head.get("format") != "iot-pki-log-head/1":
            return "the head is not an iot-pki-log-head/1 document"
        if size_of(head.get("tree_size"), "head tree_size") != size or unhex(
            head.get("root_hash"), "head root_hash"
        ) != root:
            return "the proof's tree size and root are not the head's"
    return None


def main(argv):
    if len(argv) >= 3 and argv[1] == "inclusion" and len(argv) in (4, 5):
        head = load_json(argv[4]) if len(argv) == 5 else None
        err = check_inclusion(load_json(argv[2]), argv[3], head)
        if err:
            print(f"verify_log: inclusion: {err}", file=sys.stderr)
            return 1
        print("inclusion proof OK")
        return 0
    if len(argv) == 4 and argv[1] == "inclusion-lines":
        count = 0
        with open(argv[2], encoding="utf-8") as f:
            for line in f:
                proof = json.loads(line)
                serial = proof.get("serial", "")
                if not re.fullmatch(r"[0-9A-F]+", serial or ""):
                    print(f"verify_log: line {count + 1}: bad serial", file=sys.stderr)
                    return 1
                err = check_inclusion(proof, os.path.join(argv[3], serial + ".pem"))
                if err:
                    print(f"verify_log: inclusion: {serial}: {err}", file=sys.stderr)
                    return 1
                count += 1
        print(f"{count} inclusion proofs OK")
        return 0
    if len(argv) == 4 and argv[1] == "head":
        with open(argv[3], "rb") as f:
            err = check_head(load_json(argv[2]), f.read())
        if err:
            print(f"verify_log: head: {err}", file=sys.stderr)
            return 1
        print("log head OK")
        return 0
    if argv[1:2] == ["consistency"] and len(argv) in (3, 5):
        proof = load_json(argv[2])
        old = size_of(proof.get("old_size"), "old_size")
        new = size_of(proof.get("new_size"), "new_size")
        old_root = unhex(proof.get("old_root"), "old_root")
        new_root = unhex(proof.get("new_root"), "new_root")
        if not isinstance(proof.get("consistency_path"), list):
            raise ValueError("consistency_path is not a list")
        path = [unhex(h, "a consistency_path entry") for h in proof["consistency_path"]]
        if not verify_consistency(old, new, old_root, new_root, path):
            print(f"verify_log: consistency: tree {old} is not proven a prefix of tree {new}",
                  file=sys.stderr)
            return 1
        if len(argv) == 5:
            for head, size, root, name in ((load_json(argv[3]), old, old_root, "old"),
                                           (load_json(argv[4]), new, new_root, "new")):
                if head.get("tree_size") != size or unhex(head.get("root_hash"), "root_hash") != root:
                    print(f"verify_log: consistency: the {name} head is not the proof's",
                          file=sys.stderr)
                    return 1
        print("consistency proof OK")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (ValueError, OSError, json.JSONDecodeError, KeyError, TypeError) as e:
        print(f"verify_log: {e}", file=sys.stderr)
        sys.exit(1)

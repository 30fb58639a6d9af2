#!/usr/bin/env python3
"""A Pythia device client written from docs/protocol.md and docs/api.md alone (no Pythia code).

It proves the project's rule that a client written from docs/ works and that what the docs call bad
is refused. Every rule below names the section of the docs it comes from.

  docs_client.py selftest
      checks this implementation against the test vectors of docs/protocol.md.
  docs_client.py request --key-file K --class N [--site S]
      prints the device's registration request (protocol.md, "Registration request").
  docs_client.py run --gateway URL --key-file K --bundle B [--mqtt HOST:PORT]
      runs the conformance checks against a gateway (and its MQTT broker) and prints a JSON report;
      exit 0 when every check passed, 1 otherwise.
  docs_client.py command-device --gateway URL --key-file K --bundle B --mqtt HOST:PORT [--wait S]
      logs in over MQTT, prints "ready", waits for one command on its commands topic, runs the device
      check of protocol.md ("Command consent") on it and on forged and replayed copies; JSON report.
  docs_client.py firmware --gateway URL --key-file K --bundle B --class N --sequence S --image FILE
      asks firmware_approved, checks the image against the signed answer, reports the install; JSON report.
  docs_client.py check-command --gateway URL --key-file K --bundle B --envelope FILE
      runs the device check once on an envelope; prints {"verdict": "accepted" or the refusal}.

The key file holds the device's private key as 0x + 64 hex digits (a throwaway key of a test).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import queue
import re
import threading
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import cbor2
import coincurve
from Crypto.Hash import keccak
import paho.mqtt.client as mqtt

# secp256k1 group order (protocol.md, "Signatures": "with n the secp256k1 group order").
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
DOCS = Path(__file__).resolve().parent.parent.parent / 'docs'


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def hexb(data: bytes) -> str:
    return '0x' + data.hex()


def unhex(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith('0x'):
        raise ValueError(f'not 0x hex: {text!r}')
    return bytes.fromhex(text[2:])


# ---- identity (protocol.md, "Device identity") ----

def public_key_xy(private_key: bytes) -> bytes:
    """The 64-byte X ‖ Y: the uncompressed SEC1 encoding without its 0x04 prefix."""
    return coincurve.PrivateKey(private_key).public_key.format(compressed=False)[1:]


def address_of(xy: bytes) -> bytes:
    """The last 20 bytes of keccak256(X ‖ Y)."""
    return keccak256(xy)[12:]


def checksum(address: bytes) -> str:
    """EIP-55 checksum case (the registration proof's text uses it)."""
    lower = address.hex()
    digest = keccak256(lower.encode()).hex()
    return '0x' + ''.join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(lower))


# ---- signatures (protocol.md, "Signatures") ----

def sign_rsv(private_key: bytes, digest: bytes) -> bytes:
    """65 bytes r ‖ s ‖ v, v ∈ {27, 28}, low s (libsecp256k1 signs with low s; checked anyway)."""
    signature = coincurve.PrivateKey(private_key).sign_recoverable(digest, hasher=None)
    r, s, recovery = signature[:32], int.from_bytes(signature[32:64], 'big'), signature[64]
    if s > N // 2:
        s, recovery = N - s, recovery ^ 1
    return r + s.to_bytes(32, 'big') + bytes([27 + recovery])


def high_s(signature: bytes) -> bytes:
    """The same signature with s → n − s and v flipped: valid ECDSA, refused by EIP-2."""
    s = int.from_bytes(signature[32:64], 'big')
    return signature[:32] + (N - s).to_bytes(32, 'big') + bytes([55 - signature[64]])


def personal_sign(private_key: bytes, text: str) -> bytes:
    """EIP-191: keccak256("\\x19Ethereum Signed Message:\\n" ‖ len ‖ text)."""
    data = text.encode()
    return sign_rsv(private_key, keccak256(b'\x19Ethereum Signed Message:\n' + str(len(data)).encode() + data))


# ---- readings (protocol.md, "Readings") ----

def uint256(value: int) -> bytes:
    return value.to_bytes(32, 'big')


def domain_separator(chain_id: int, fleet: bytes) -> bytes:
    """EIP-712 domain: name "Pythia", version "1", chainId, verifyingContract = the fleet."""
    type_hash = keccak256(b'EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)')
    return keccak256(type_hash + keccak256(b'Pythia') + keccak256(b'1') + uint256(chain_id) + fleet.rjust(32, b'\0'))


def reading_struct_hash(device: bytes, sequence: int, timestamp: int, payload: bytes) -> bytes:
    type_hash = keccak256(b'Reading(address device,uint64 sequence,uint64 timestamp,bytes payload)')
    return keccak256(type_hash + device.rjust(32, b'\0') + uint256(sequence) + uint256(timestamp) + keccak256(payload))


def reading_digest(chain_id: int, fleet: bytes, device: bytes, sequence: int, timestamp: int, payload: bytes) -> bytes:
    return keccak256(b'\x19\x01' + domain_separator(chain_id, fleet) + reading_struct_hash(device, sequence, timestamp, payload))


def encode_payload(metrics: list[int]) -> bytes:
    """Big-endian two's complement int16 per metric, in profile order."""
    return b''.join(value.to_bytes(2, 'big', signed=True) for value in metrics)


def signed_reading(key: bytes, chain_id: int, fleet: bytes, sequence: int, timestamp: int, payload: bytes, device: bytes | None = None) -> dict[str, Any]:
    device = device if device is not None else address_of(public_key_xy(key))
    signature = sign_rsv(key, reading_digest(chain_id, fleet, device, sequence, timestamp, payload))
    return {'device': hexb(device), 'sequence': str(sequence), 'timestamp': timestamp, 'payload': hexb(payload), 'signature': hexb(signature)}


# ---- registration request (protocol.md, "Registration request") ----

def registration_request(key: bytes, class_id: int, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    xy = public_key_xy(key)
    device_id = checksum(address_of(xy))
    proof = personal_sign(key, f'Pythia device registration\ndevice: {device_id}\nclass: {class_id}')
    request: dict[str, Any] = {'deviceId': device_id, 'publicKey': hexb(xy), 'classId': class_id}
    if metadata is not None:
        request['metadata'] = metadata
    request['proof'] = hexb(proof)
    return request


# ---- signed answers (protocol.md, "Signed answers") ----

PROTECTED_ES256K = bytes.fromhex('a101382e')  # {1: -47}
ANSWER_REASONS = ('bad_cose', 'wrong_algorithm', 'untrusted_key', 'bad_signature', 'challenge_mismatch', 'question_mismatch', 'wrong_chain', 'stale_answer')


class AnswerRefused(Exception):
    def __init__(self, reason: str, detail: str):
        assert reason in ANSWER_REASONS
        super().__init__(f'{reason}: {detail}')
        self.reason = reason


def deterministic(value: Any) -> bytes:
    """RFC 8949 §4.2 deterministic CBOR (shortest forms; integer keys 1..10 sort alike either way)."""
    return cbor2.dumps(value, canonical=True)


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    return deterministic(['Signature1', protected, b'', payload])


def cose_sign(key: bytes, protected: bytes, unprotected: dict[int, Any], payload: bytes) -> bytes:
    """COSE_Sign1, ES256K: ECDSA over SHA-256(Sig_structure), signature r ‖ s (64 bytes), low s."""
    digest = hashlib.sha256(sig_structure(protected, payload)).digest()
    signature = sign_rsv(key, digest)[:64]
    return cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, payload, signature]))


def der(r: int, s: int) -> bytes:
    def integer(value: int) -> bytes:
        raw = value.to_bytes(32, 'big').lstrip(b'\0') or b'\0'
        if raw[0] & 0x80:
            raw = b'\0' + raw
        return b'\x02' + bytes([len(raw)]) + raw
    body = integer(r) + integer(s)
    return b'\x30' + bytes([len(body)]) + body


def trusted_keys(bundle: dict[str, Any]) -> dict[bytes, bytes]:
    """The bundle's Pythia keys to trust: not revoked, attested (and an allowed measurement) when required."""
    policy = bundle['attestationPolicy']
    keys: dict[bytes, bytes] = {}
    for entry in bundle['pythiaKeys']:
        if entry.get('revoked'):
            continue
        if policy['requireAttested']:
            if not entry['attested']:
                continue
            allowed = policy.get('allowedMeasurements')
            if allowed is not None and entry.get('measurement', '').lower() not in [m.lower() for m in allowed]:
                continue
        public = unhex(entry['publicKey'])
        xy = public[1:] if len(public) == 65 else public
        address = unhex(entry['address'])
        if len(xy) != 64 or address_of(xy) != address:
            raise ValueError(f'bundle key {entry["address"]} is not the key of its address')
        keys[address] = xy
    return keys


def verify_answer(cose: bytes, *, keys: dict[bytes, bytes], question: int, params: Any, challenge: bytes, chain_id: int,
                  highest_block: int, max_age_blocks: int, max_age_seconds: int, now: int) -> dict[str, Any]:
    """Every check of "Signed answers": returns the payload map, or raises AnswerRefused(reason)."""
    try:
        message = cbor2.loads(cose)
    except Exception as error:  # noqa: BLE001 — any decoding failure is bad_cose
        raise AnswerRefused('bad_cose', f'not CBOR: {error}') from None
    if not isinstance(message, cbor2.CBORTag) or message.tag != 18 or not isinstance(message.value, (list, tuple)) or len(message.value) != 4:
        raise AnswerRefused('bad_cose', 'not a COSE_Sign1 (tag 18, 4 items)')
    protected, unprotected, payload, signature = message.value
    if not all(isinstance(x, bytes) for x in (protected, payload, signature)) or not isinstance(unprotected, Mapping):
        raise AnswerRefused('bad_cose', 'COSE_Sign1 items of the wrong types')
    if protected != PROTECTED_ES256K:
        raise AnswerRefused('wrong_algorithm', f'protected header {protected.hex()}')
    kid = unprotected.get(4)
    if not isinstance(kid, bytes) or len(kid) != 20:
        raise AnswerRefused('bad_cose', 'kid is not 20 bytes')
    if kid not in keys:
        raise AnswerRefused('untrusted_key', f'kid {hexb(kid)} is not a trusted Pythia key')
    if len(signature) != 64:
        raise AnswerRefused('bad_cose', 'signature is not 64 bytes')
    r, s = int.from_bytes(signature[:32], 'big'), int.from_bytes(signature[32:], 'big')
    if not (0 < r < N and 0 < s <= N // 2):
        raise AnswerRefused('bad_signature', 'r or s out of range, or high s')
    digest = hashlib.sha256(sig_structure(protected, payload)).digest()
    if not coincurve.PublicKey(b'\x04' + keys[kid]).verify(der(r, s), digest, hasher=None):
        raise AnswerRefused('bad_signature', 'the signature does not verify with the trusted key')
    try:
        body = cbor2.loads(payload)
    except Exception as error:  # noqa: BLE001
        raise AnswerRefused('bad_cose', f'payload not CBOR: {error}') from None
    # cbor2 decodes a map inside a tag as an immutable mapping, an array as a tuple.
    if not isinstance(body, Mapping) or sorted(body) != [1, 2, 3, 4, 5, 6, 7, 8] or deterministic(body) != payload:
        raise AnswerRefused('bad_cose', 'payload is not the deterministic map of keys 1..8')
    block_hash = body[6]
    if not isinstance(body[5], int) or not isinstance(block_hash, bytes) or len(block_hash) != 32 or not isinstance(body[7], int):
        raise AnswerRefused('bad_cose', 'block number, block hash or time of the wrong type')
    if body[4] != challenge:
        raise AnswerRefused('challenge_mismatch', 'the answer does not echo the challenge just sent')
    if body[1] != question or body[2] != params:
        raise AnswerRefused('question_mismatch', 'question or params are not what was asked')
    if body[8] != chain_id:
        raise AnswerRefused('wrong_chain', f'chain {body[8]}, not {chain_id}')
    if body[5] + max_age_blocks < highest_block:
        raise AnswerRefused('stale_answer', f'block {body[5]} is more than {max_age_blocks} behind {highest_block}')
    if now - body[7] > max_age_seconds:
        raise AnswerRefused('stale_answer', f'signed at {body[7]}, now {now}')
    return body


def question_message(key: bytes, question: int, params: Any, challenge: bytes, chain_id: int, sequence: int) -> bytes:
    """POST /v1/questions, application/cbor: the device's COSE_Sign1 with kid = the device id."""
    device = address_of(public_key_xy(key))
    payload = deterministic({1: question, 2: params, 4: challenge, 8: chain_id, 9: device, 10: sequence})
    return cose_sign(key, PROTECTED_ES256K, {4: device}, payload)


# ---- the docs' test vectors ----

def docs_block(tag: str) -> dict[str, Any]:
    text = (DOCS / 'protocol.md').read_text()
    match = re.search(r'```json ' + re.escape(tag) + r'\n(.*?)```', text, re.S)
    if match is None:
        raise SystemExit(f'docs/protocol.md has no `json {tag}` block')
    return json.loads(match.group(1))


def selftest() -> list[str]:
    """The vectors of docs/protocol.md, computed by this client: the list of mismatches (empty = pass)."""
    failures: list[str] = []

    def expect(name: str, got: str, want: str) -> None:
        if got.lower() != want.lower():
            failures.append(f'{name}: got {got}, docs say {want}')

    v = docs_block('test-vector')
    key = unhex(v['privateKey'])
    fleet = unhex(v['verifyingContract'])
    xy = public_key_xy(key)
    device = address_of(xy)
    payload = encode_payload(v['metrics'])
    expect('publicKey', hexb(xy), v['publicKey'])
    expect('deviceId', checksum(device), v['deviceId'])
    if checksum(device) != v['deviceId']:
        failures.append('deviceId: EIP-55 case differs')
    expect('payload', hexb(payload), v['payload'])
    expect('domainSeparator', hexb(domain_separator(v['chainId'], fleet)), v['domainSeparator'])
    expect('structHash', hexb(reading_struct_hash(device, int(v['sequence']), v['timestamp'], payload)), v['structHash'])
    expect('digest', hexb(reading_digest(v['chainId'], fleet, device, int(v['sequence']), v['timestamp'], payload)), v['digest'])
    reading = signed_reading(key, v['chainId'], fleet, int(v['sequence']), v['timestamp'], payload)
    expect('signature', reading['signature'], v['signature'])

    r = docs_block('registration-request')
    ours = registration_request(key, r['classId'], r.get('metadata'))
    for field in ('deviceId', 'publicKey', 'proof'):
        expect(f'registration {field}', ours[field], r[field])

    a = docs_block('answer-test-vector')
    pythia = unhex(a['pythiaPrivateKey'])
    expect('answer kid', checksum(address_of(public_key_xy(pythia))), a['kid'])
    statuses = {'none': 0, 'active': 1, 'suspended': 2, 'revoked': 3}
    ans = a['answer']
    body = {1: a['question'], 2: unhex(a['subject']),
            3: [statuses[ans['status']], ans['classId'], int(ans['lastSequence']), ans['flags'], ans['autoSuspensions'], ans['profileVersion']],
            4: unhex(a['challenge']), 5: int(a['blockNumber']), 6: unhex(a['blockHash']), 7: a['time'], 8: a['chainId']}
    payload_bytes = deterministic(body)
    expect('answer payload', hexb(payload_bytes), a['payload'])
    expect('answer sigStructure', hexb(sig_structure(PROTECTED_ES256K, payload_bytes)), a['sigStructure'])
    expect('answer digest', hexb(hashlib.sha256(sig_structure(PROTECTED_ES256K, payload_bytes)).digest()), a['digest'])
    cose = cose_sign(pythia, PROTECTED_ES256K, {4: unhex(a['kid'])}, payload_bytes)
    expect('answer cose', hexb(cose), a['cose'])
    keys = {unhex(a['kid']): public_key_xy(pythia)}
    common = dict(keys=keys, question=1, params=unhex(a['subject']), chain_id=a['chainId'], highest_block=int(a['blockNumber']),
                  max_age_blocks=10, max_age_seconds=60, now=a['time'])
    try:
        verify_answer(unhex(a['cose']), challenge=unhex(a['challenge']), **common)
    except AnswerRefused as error:
        failures.append(f'the docs answer vector is refused: {error}')
    # The verifier can say no: each documented reason for an answer that breaks its rule.
    bad = bytearray(unhex(a['cose']))
    bad[-1] ^= 1
    wrong_cases = [
        ('bad_signature', bytes(bad), {}),
        ('challenge_mismatch', unhex(a['cose']), {'challenge': b'\x09' * 8}),
        ('untrusted_key', unhex(a['cose']), {'keys': {}}),
        ('wrong_chain', unhex(a['cose']), {'chain_id': 1}),
        ('stale_answer', unhex(a['cose']), {'now': a['time'] + 61}),
        ('bad_cose', b'\xd2\x80', {}),
        ('wrong_algorithm', cbor2.dumps(cbor2.CBORTag(18, [bytes.fromhex('a10126'), {4: unhex(a['kid'])}, payload_bytes, unhex(a['cose'])[-64:]])), {}),
        ('question_mismatch', unhex(a['cose']), {'question': 2}),
        ('question_mismatch', unhex(a['cose']), {'params': b'\0' * 20}),
    ]
    for reason, message, change in wrong_cases:
        args = {**common, 'challenge': unhex(a['challenge']), **change}
        try:
            verify_answer(message, **args)
            failures.append(f'a tampered answer was accepted (expected {reason})')
        except AnswerRefused as error:
            if error.reason != reason:
                failures.append(f'expected {reason}, got {error}')

    q = docs_block('question-test-vector')
    device_key = unhex(q['privateKey'])
    expect('question device', checksum(address_of(public_key_xy(device_key))), q['device'])
    subject = unhex(q['params']['device'])
    question_payload = deterministic({1: q['question'], 2: subject, 4: unhex(q['challenge']), 8: q['chainId'], 9: unhex(q['device']), 10: int(q['sequence'])})
    expect('question payload', hexb(question_payload), q['payload'])
    expect('question sigStructure', hexb(sig_structure(PROTECTED_ES256K, question_payload)), q['sigStructure'])
    question_cose = question_message(device_key, q['question'], subject, unhex(q['challenge']), q['chainId'], int(q['sequence']))
    expect('question cose', hexb(question_cose), q['cose'])
    expect('question signature', hexb(question_cose[-64:]), q['signature'])
    return failures


# ---- HTTP ----

def http(method: str, url: str, body: bytes | None = None, content_type: str = 'application/json', accept: str | None = None) -> tuple[int, str, bytes]:
    headers = {'content-type': content_type} if body is not None else {}
    if accept:
        headers['accept'] = accept
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get('content-type', ''), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get('content-type', ''), error.read()


def refusal_shape_error(body: bytes, reason: str, per_reading: bool) -> str | None:
    """protocol.md, "Refusals": { error, message, errors[] }; errors by index for a reading's failure, [] for the whole."""
    try:
        refusal = json.loads(body)
    except ValueError:
        return f'the refusal is not JSON: {body[:80]!r}'
    if not isinstance(refusal, dict) or set(refusal) != {'error', 'message', 'errors'}:
        return f'the refusal is not {{error, message, errors}}: {refusal}'
    if refusal['error'] != reason:
        return f'error is {refusal["error"]!r}, the docs say {reason!r} ({refusal["message"]})'
    if not isinstance(refusal['message'], str) or not refusal['message']:
        return 'message is not a sentence'
    errors = refusal['errors']
    if not isinstance(errors, list):
        return 'errors is not a list'
    if per_reading:
        if not errors or not all(isinstance(e, dict) and set(e) == {'index', 'reason', 'message'} for e in errors):
            return f'errors does not list the failed reading by index: {errors}'
        if errors[0]['reason'] != reason:
            return f'errors[0].reason is {errors[0]["reason"]!r}'
    elif errors != []:
        return f'errors should be [] for a request that failed as a whole: {errors}'
    return None


# ---- MQTT (protocol.md, "MQTT") ----

class Mqtt:
    """One MQTT 3.1.1 session of the device on the embedded broker, logged in with a device-signed token."""

    def __init__(self, host: str, port: int, client_id: str, username: str, password: str):
        self.messages: dict[str, queue.Queue[bytes]] = {}
        self.connack: queue.Queue[str] = queue.Queue()
        self.subacks: queue.Queue[list[Any]] = queue.Queue()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311, clean_session=True,
                                  reconnect_on_failure=False)  # a refused login is an answer, not something to retry
        self.client.username_pw_set(username, password)
        self.client.on_connect = lambda _c, _u, _f, reason, _p: self.connack.put(reason.getName())
        self.client.on_subscribe = lambda _c, _u, _m, reasons, _p: self.subacks.put(reasons)
        self.client.on_message = lambda _c, _u, message: self.messages.setdefault(message.topic, queue.Queue()).put(message.payload)
        self.client.connect_async(host, port, keepalive=30)
        self.client.loop_start()

    def login(self, timeout: float = 10) -> str:
        """The broker's CONNACK in paho's words ("Success", "Bad user name or password", "Not authorized", ...)."""
        try:
            return self.connack.get(timeout=timeout)
        except queue.Empty:
            return 'no CONNACK'

    def subscribe(self, topics: list[str]) -> bool:
        for topic in topics:
            self.messages.setdefault(topic, queue.Queue())
            self.client.subscribe(topic, qos=1)
            reasons = self.subacks.get(timeout=10)
            if any(r.is_failure for r in reasons):
                return False
        return True

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(timeout=10)

    def next(self, topic: str, timeout: float = 15) -> bytes | None:
        try:
            return self.messages.setdefault(topic, queue.Queue()).get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def mqtt_token(key: bytes, chain_id: int, client_id: str, unix_time: int) -> str:
    """The password: {unixTime}:{personal_sign over pythia-mqtt:{chainId}:{clientId}:{unixTime}}."""
    return f'{unix_time}:{hexb(personal_sign(key, f"pythia-mqtt:{chain_id}:{client_id}:{unix_time}"))}'


class Run:
    def __init__(self, gateway: str, key: bytes, bundle: dict[str, Any], broker: tuple[str, int] | None = None):
        self.gateway = gateway.rstrip('/')
        self.broker = broker
        self.key = key
        self.bundle = bundle
        self.chain_id = bundle['chainId']
        self.fleet = unhex(bundle['contracts']['fleet'])
        self.device = address_of(public_key_xy(key))
        self.device_hex = hexb(self.device)  # lowercase, as the gateway returns ids
        self.keys = trusted_keys(bundle)
        self.checks: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []
        self.envelope: dict[str, Any] | None = None
        self.accepted_command: dict[str, Any] | None = None
        self.owner_acknowledgement: dict[str, Any] | None = None
        self.firmware: dict[str, Any] | None = None
        self.highest_block = 0
        # A per-device counter that must rise across runs too: a device without storage may count from its clock (ms).
        self.question_sequence = int(time.time() * 1000)

    def check(self, name: str, ok: bool, detail: Any = None) -> bool:
        self.checks.append({'name': name, 'ok': bool(ok), **({'detail': detail} if detail is not None else {})})
        return ok

    def post_readings(self, body: Any, raw: bytes | None = None) -> tuple[int, bytes]:
        status, _, response = http('POST', f'{self.gateway}/v1/readings', raw if raw is not None else json.dumps(body).encode())
        return status, response

    def refused(self, name: str, body: Any, status: int, reason: str, per_reading: bool, raw: bytes | None = None) -> None:
        got, response = self.post_readings(body, raw)
        problem = None if got == status else f'status {got}, the docs say {status}: {response[:200]!r}'
        problem = problem or refusal_shape_error(response, reason, per_reading)
        self.check(name, problem is None, problem)

    def ask(self, question: int, params: Any, name: str, reference: int = 0) -> dict[Any, Any]:
        """Any question (protocol.md, "Questions") over HTTP CBOR with a fresh challenge; the answer verified, or AnswerRefused.

        reference: a block this check alone must not be stale against (a command's unsigned checkedAtBlock)."""
        self.question_sequence += 1
        challenge = os.urandom(16)
        message = question_message(self.key, question, params, challenge, self.chain_id, self.question_sequence)
        status, content_type, body = http('POST', f'{self.gateway}/v1/questions', message, 'application/cbor')
        if status != 200 or not content_type.startswith('application/cbor'):
            raise AnswerRefused('bad_cose', f'{name}: {status} {content_type} {body[:200]!r}')
        freshness = self.bundle['freshness']
        answer = verify_answer(body, keys=self.keys, question=question, params=params, challenge=challenge, chain_id=self.chain_id,
                               highest_block=max(self.highest_block, reference), max_age_blocks=freshness['maxAgeBlocks'],
                               max_age_seconds=freshness['maxAgeSeconds'], now=int(time.time()))
        self.highest_block = max(self.highest_block, answer[5])
        return answer

    def acknowledge_owner(self) -> None:
        """Question 2 device_owner; for an epoch not yet acknowledged, the signed acknowledgement (refusals first), relayed on chain."""
        try:
            first = self.ask(2, self.device, 'device_owner')
        except AnswerRefused as error:
            self.check('device_owner: answer verified', False, str(error))
            return
        owner, epoch, acknowledged = first[3]
        if not self.check('device_owner: answer verified, an owner and an epoch not yet acknowledged',
                          isinstance(owner, bytes) and len(owner) == 20 and epoch >= 1 and acknowledged < epoch, first[3]):
            return
        ownership = unhex(self.bundle['contracts']['deviceOwnership'])
        url = f'{self.gateway}/v1/devices/{self.device_hex}/owner-acknowledgements'

        def signed(key: bytes, at: int) -> str:
            return hexb(sign_rsv(key, owner_acknowledgement_digest(self.chain_id, ownership, self.device, owner, at)))

        def refused(name: str, body: dict[str, Any], status: int, reason: str) -> None:
            got, _, response = http('POST', url, json.dumps(body).encode())
            problem = None if got == status else f'status {got}, the docs say {status}: {response[:200]!r}'
            self.check(name, (problem or refusal_shape_error(response, reason, False)) is None, problem or refusal_shape_error(response, reason, False))

        good = signed(self.key, epoch)
        refused('owner acknowledgement signed by another key refused bad_signature (401)', {'epoch': epoch, 'signature': signed(os.urandom(32), epoch)}, 401, 'bad_signature')
        refused('owner acknowledgement with high s refused high_s_signature (400)', {'epoch': epoch, 'signature': hexb(high_s(unhex(good)))}, 400, 'high_s_signature')
        refused('owner acknowledgement of a later epoch refused stale_epoch (409)', {'epoch': epoch + 1, 'signature': signed(self.key, epoch + 1)}, 409, 'stale_epoch')
        refused('owner acknowledgement with an unknown property refused invalid_body (400)', {'epoch': epoch, 'signature': good, 'owner': hexb(owner)}, 400, 'invalid_body')
        status, _, body = http('POST', url, json.dumps({'epoch': epoch, 'signature': good}).encode())
        action = json.loads(body) if status == 202 else {}
        fields = {'id', 'device', 'kind', 'status', 'receivedAt', 'txHash', 'blockNumber', 'error'}
        if not self.check('owner acknowledgement: 202 with the device action', status == 202 and set(action) == fields, f'{status} {body[:300]!r}'):
            return
        deadline = time.time() + 60
        while action.get('status') == 'pending' and time.time() < deadline:
            time.sleep(0.2)
            _, _, body = http('GET', f'{self.gateway}/v1/device-actions/{action["id"]}')
            action = json.loads(body)
        self.check('owner acknowledgement: the device action is done (mined)', action.get('status') == 'done', action)
        self.owner_acknowledgement = {'owner': hexb(owner), 'epoch': epoch, 'action': action}
        try:
            # An answer is read at the latest block, cached up to 100 ms (protocol.md, "Revocation bound"): ask
            # until the answer's block (key 5) is the acknowledgement's block or later.
            after = self.ask(2, self.device, 'device_owner')
            while after[5] < (action.get('blockNumber') or 0) and time.time() < deadline:
                time.sleep(0.05)
                after = self.ask(2, self.device, 'device_owner')
            self.check('device_owner after the acknowledgement: acknowledgedEpoch is the epoch', after[3][2] == epoch and after[3][1] == epoch, after[3])
        except AnswerRefused as error:
            self.check('device_owner after the acknowledgement: acknowledgedEpoch is the epoch', False, str(error))
        refused('the same acknowledgement once mined refused already_acknowledged (409)', {'epoch': epoch, 'signature': good}, 409, 'already_acknowledged')

    def ask_status(self, name: str) -> dict[str, Any] | None:
        """Question 1 device_status about itself, with a fresh challenge; the answer verified."""
        self.question_sequence += 1
        challenge = os.urandom(16)
        message = question_message(self.key, 1, self.device, challenge, self.chain_id, self.question_sequence)
        status, content_type, body = http('POST', f'{self.gateway}/v1/questions', message, 'application/cbor')
        if not self.check(f'{name}: 200 application/cbor', status == 200 and content_type.startswith('application/cbor'), f'{status} {content_type} {body[:200]!r}'):
            return None
        freshness = self.bundle['freshness']
        try:
            answer = verify_answer(body, keys=self.keys, question=1, params=self.device, challenge=challenge, chain_id=self.chain_id,
                                   highest_block=self.highest_block, max_age_blocks=freshness['maxAgeBlocks'],
                                   max_age_seconds=freshness['maxAgeSeconds'], now=int(time.time()))
        except AnswerRefused as error:
            self.check(f'{name}: answer verified', False, str(error))
            return None
        self.check(f'{name}: answer verified', True)
        self.highest_block = max(self.highest_block, answer[5])
        value = answer[3]
        result = {'blockNumber': answer[5], 'blockHash': hexb(answer[6]), 'time': answer[7], 'status': value[0], 'classId': value[1],
                  'lastSequence': value[2], 'flags': value[3], 'autoSuspensions': value[4], 'profileVersion': value[5]}
        self.answers.append(result)
        # The same signed question again is a replay (api.md, "Reasons": replayed_request).
        status, _, body = http('POST', f'{self.gateway}/v1/questions', message, 'application/cbor')
        problem = None if status == 409 else f'status {status}'
        self.check(f'{name}: the same question again is refused replayed_request', problem is None and json.loads(body).get('error') == 'replayed_request', problem or body[:200].decode(errors='replace'))
        return result

    def ask_status_json(self, name: str) -> None:
        """The application/json form of the same question; the answer as { answer: base64 }, verified alike."""
        self.question_sequence += 1
        challenge = os.urandom(8)
        signature = question_message(self.key, 1, self.device, challenge, self.chain_id, self.question_sequence)[-64:]
        body = {'device': self.device_hex, 'question': 'device_status', 'params': {'device': self.device_hex},
                'challenge': hexb(challenge), 'sequence': str(self.question_sequence), 'signature': hexb(signature)}
        status, content_type, response = http('POST', f'{self.gateway}/v1/questions', json.dumps(body).encode(), accept='application/json')
        if not self.check(f'{name}: 200 {{ answer: base64 }}', status == 200 and content_type.startswith('application/json'), f'{status} {response[:200]!r}'):
            return
        freshness = self.bundle['freshness']
        try:
            answer = verify_answer(base64.b64decode(json.loads(response)['answer'], validate=True), keys=self.keys, question=1, params=self.device,
                                   challenge=challenge, chain_id=self.chain_id, highest_block=self.highest_block,
                                   max_age_blocks=freshness['maxAgeBlocks'], max_age_seconds=freshness['maxAgeSeconds'], now=int(time.time()))
        except AnswerRefused as error:
            self.check(f'{name}: answer verified', False, str(error))
            return
        self.highest_block = max(self.highest_block, answer[5])
        self.check(f'{name}: answer verified', answer[3][0] == 1, answer[3])
        # Asking as this device with another key (api.md, "POST /v1/questions": 401 bad_signature).
        self.question_sequence += 1
        stranger = os.urandom(32)
        forged = cose_sign(stranger, PROTECTED_ES256K, {4: self.device}, deterministic(
            {1: 1, 2: self.device, 4: os.urandom(8), 8: self.chain_id, 9: self.device, 10: self.question_sequence}))
        self.question_refused('a question asked as this device by another key refused bad_signature (401)', forged, 401, 'bad_signature')
        # A high-s twin of a good question, and a question for another chain: bad_signature too (protocol.md, "Asking").
        self.question_sequence += 1
        good = question_message(self.key, 1, self.device, os.urandom(8), self.chain_id, self.question_sequence)
        tag = cbor2.loads(good)
        protected, unprotected, payload, signature = tag.value
        twin = signature[:32] + (N - int.from_bytes(signature[32:], 'big')).to_bytes(32, 'big')
        high = cbor2.dumps(cbor2.CBORTag(18, [protected, dict(unprotected), payload, twin]))
        self.question_refused('a question signed with high s refused bad_signature (401)', high, 401, 'bad_signature')
        other_chain = question_message(self.key, 1, self.device, os.urandom(8), self.chain_id + 1, self.question_sequence)
        self.question_refused('a question for another chain refused bad_signature (401)', other_chain, 401, 'bad_signature')
        self.question_refused('a question that is not COSE refused bad_cose (400)', cbor2.dumps([1, 2, 3]), 400, 'bad_cose')
        short = question_message(self.key, 1, self.device, b'\x01\x02', self.chain_id, self.question_sequence)
        self.question_refused('a 2-byte challenge refused bad_challenge (400)', short, 400, 'bad_challenge')

    def question_refused(self, name: str, message: bytes, status: int, reason: str) -> None:
        got, _, response = http('POST', f'{self.gateway}/v1/questions', message, 'application/cbor')
        problem = None if got == status else f'status {got}, the docs say {status}: {response[:200]!r}'
        problem = problem or refusal_shape_error(response, reason, False)
        self.check(name, problem is None, problem)

    def wait_on_chain(self, sequence: int, timeout: float = 90) -> str:
        deadline = time.time() + timeout
        while True:
            status, _, body = http('GET', f'{self.gateway}/v1/readings/{self.device_hex}/{sequence}')
            verdict = json.loads(body).get('status') if status == 200 else f'http {status}'
            if verdict != 'pending' or time.time() > deadline:
                return verdict
            time.sleep(0.3)

    def run(self) -> None:
        failures = selftest()
        self.check('the docs test vectors', not failures, failures or None)
        # api.md, "GET /v1/devices/{id}": the profile the payload and timestamps must follow.
        status, _, body = http('GET', f'{self.gateway}/v1/devices/{self.device_hex}')
        if not self.check('GET /v1/devices/{id}: registered and active', status == 200 and json.loads(body)['status'] == 'active', body[:300].decode(errors='replace')):
            return
        profile = json.loads(body)['profile']
        metrics = [(low + high) // 2 for low, high in zip(profile['minValue'], profile['maxValue'])]
        payload = encode_payload(metrics)
        interval = profile['minInterval']
        now = int(time.time())
        # The valid readings (three over HTTP, one over MQTT), minInterval apart, none ahead of the clock.
        times = [now - 3 * interval, now - 2 * interval, now - interval, now]

        first = self.ask_status('status before any reading')
        if first is not None:
            self.check('status before any reading: active, class and no reading yet', (first['status'], first['lastSequence']) == (1, 0), first)

        # 1. two readings in one request: 202 and the documented acknowledgement.
        batch = [signed_reading(self.key, self.chain_id, self.fleet, seq, t, payload) for seq, t in ((1, times[0]), (2, times[1]))]
        status, body = self.post_readings({'readings': batch})
        ack = json.loads(body) if status == 202 else None
        expected = {'accepted': 2, 'readings': [{'device': self.device_hex, 'sequence': '1', 'status': 'pending'},
                                                {'device': self.device_hex, 'sequence': '2', 'status': 'pending'}]}
        self.check('POST /v1/readings: 202 with the documented acknowledgement', ack == expected, ack or f'{status} {body[:300]!r}')

        # 3. what the docs call bad, each refused with its documented reason and the refusal shape.
        self.times, self.payload = times, payload
        nxt = lambda seq, t=times[2]: signed_reading(self.key, self.chain_id, self.fleet, seq, t, payload)  # noqa: E731
        reading = nxt(3)
        signature = unhex(reading['signature'])
        self.refused('high s refused high_s_signature (400)', {**reading, 'signature': hexb(high_s(signature))}, 400, 'high_s_signature', True)
        self.refused('v = 0 refused bad_signature_format (400)', {**reading, 'signature': hexb(signature[:64] + bytes([signature[64] - 27]))}, 400, 'bad_signature_format', True)
        self.refused('s = n refused bad_signature_format (400)', {**reading, 'signature': hexb(signature[:32] + N.to_bytes(32, 'big') + signature[64:])}, 400, 'bad_signature_format', True)
        self.refused('replayed sequence refused replayed_sequence (409)', nxt(1, times[2]), 409, 'replayed_sequence', True)
        stranger = os.urandom(32)
        self.refused('signed by another key refused bad_signature (401)',
                     signed_reading(stranger, self.chain_id, self.fleet, 3, times[2], payload, device=self.device), 401, 'bad_signature', True)
        self.refused('another chain id refused bad_signature (401)',
                     signed_reading(self.key, self.chain_id + 1, self.fleet, 3, times[2], payload), 401, 'bad_signature', True)
        self.refused('malformed body (not JSON) refused invalid_body (400)', None, 400, 'invalid_body', False, raw=b'{"device":')
        self.refused('malformed body (a fraction) refused invalid_body (400)', None, 400, 'invalid_body', False,
                     raw=json.dumps({**reading, 'timestamp': 1}).replace('"timestamp": 1', '"timestamp": 1.5').encode())
        self.refused('malformed body (a property twice) refused invalid_body (400)', None, 400, 'invalid_body', False,
                     raw=json.dumps(reading)[:-1].encode() + b', "sequence": "4"}')
        self.refused('malformed payload refused payload_malformed (400)', {**reading, 'payload': '0x123'}, 400, 'payload_malformed', True)
        self.refused('an atomic request: a good reading with a high-s one is refused whole',
                     {'readings': [reading, {**nxt(4), 'signature': hexb(high_s(unhex(nxt(4)['signature'])))}]}, 400, 'high_s_signature', True)
        status, _, body = http('GET', f'{self.gateway}/v1/readings/{self.device_hex}/3')
        self.check('nothing of a refused request is stored (GET reading 3: 404 unknown_reading)', status == 404 and json.loads(body)['error'] == 'unknown_reading', f'{status} {body[:200]!r}')

        # The sequence the refused readings named is still free: the good reading 3 goes through.
        status, body = self.post_readings(reading)
        self.check('POST /v1/readings: one reading, 202 with the documented acknowledgement',
                   status == 202 and json.loads(body) == {'accepted': 1, 'readings': [{'device': self.device_hex, 'sequence': '3', 'status': 'pending'}]}, body[:300].decode(errors='replace'))

        # On chain (api.md, "GET /v1/readings/{device}/{sequence}").
        for sequence in (1, 2, 3):
            verdict = self.wait_on_chain(sequence)
            self.check(f'reading {sequence} accepted on chain', verdict == 'accepted', verdict)

        self.ask_status_json('status, the JSON form')
        second = self.ask_status('status after the readings')
        if second is not None and first is not None:
            self.check('status after the readings: lastSequence 3, a block not before the first answer',
                       second['lastSequence'] == 3 and second['blockNumber'] >= first['blockNumber'], second)
        if self.broker is not None:
            self.run_mqtt(*self.broker)
        self.acknowledge_owner()

    def run_mqtt(self, host: str, port: int) -> None:
        """protocol.md, "MQTT": login, a reading and its ack, refusals as acks, a question and its answer."""
        base = f'pythia/v1/devices/{self.device_hex}'
        client_id = f'{self.device_hex}-docs'
        now = int(time.time())
        token = mqtt_token(self.key, self.chain_id, client_id, now)
        stranger = os.urandom(32)
        forged = Mqtt(host, port, client_id, self.device_hex, mqtt_token(stranger, self.chain_id, client_id, now))
        self.check('MQTT: a token signed by another key is refused (CONNACK 4)', forged.login() == 'Bad user name or password')
        forged.close()
        session = Mqtt(host, port, client_id, self.device_hex, token)
        if not self.check('MQTT: the device logs in with its signed token', session.login() == 'Success'):
            session.close()
            return
        try:
            self.check('MQTT: subscribes to its acks and answers', session.subscribe([f'{base}/acks', f'{base}/answers']))

            def ack(name: str, reading: dict[str, Any], expect: dict[str, Any] | tuple[int, str]) -> None:
                session.publish(f'{base}/readings', json.dumps(reading).encode())
                raw = session.next(f'{base}/acks')
                if raw is None:
                    self.check(name, False, 'no ack')
                    return
                got = json.loads(raw)
                if isinstance(expect, dict):
                    self.check(name, got == expect, got)
                    return
                status, reason = expect
                problem = None
                if set(got) != {'ref', 'status', 'error', 'message', 'errors'} or got['ref'] != reading['sequence'] or got['status'] != status:
                    problem = f'not the documented refusal ack (ref {reading["sequence"]}, status {status}): {got}'
                else:
                    body = json.dumps({k: got[k] for k in ('error', 'message', 'errors')}).encode()
                    problem = refusal_shape_error(body, reason, True)
                self.check(name, problem is None, problem)

            good = signed_reading(self.key, self.chain_id, self.fleet, 4, self.times[3], self.payload)
            ack('MQTT: a reading is acknowledged 202 as documented', good,
                {'ref': '4', 'status': 202, 'accepted': 1, 'readings': [{'device': self.device_hex, 'sequence': '4', 'status': 'pending'}]})
            ack('MQTT: a used sequence signed again is refused replayed_sequence (409)',
                signed_reading(self.key, self.chain_id, self.fleet, 4, self.times[3] + 1, self.payload), (409, 'replayed_sequence'))
            five = signed_reading(self.key, self.chain_id, self.fleet, 5, self.times[3], self.payload)
            ack('MQTT: high s is refused high_s_signature (400)', {**five, 'signature': hexb(high_s(unhex(five['signature'])))}, (400, 'high_s_signature'))
            other = signed_reading(stranger, self.chain_id, self.fleet, 1, self.times[3], self.payload)
            ack("MQTT: a reading of another device on this device's topic is refused topic_mismatch (403)", other, (403, 'topic_mismatch'))

            # A question over MQTT: the COSE_Sign1 bytes back on the answers topic.
            self.question_sequence += 1
            challenge = os.urandom(8)
            asked = question_message(self.key, 1, self.device, challenge, self.chain_id, self.question_sequence)
            session.publish(f'{base}/questions', asked)
            raw = session.next(f'{base}/answers')
            freshness = self.bundle['freshness']
            try:
                if raw is None:
                    raise AnswerRefused('bad_cose', 'no answer')
                answer = verify_answer(raw, keys=self.keys, question=1, params=self.device, challenge=challenge, chain_id=self.chain_id,
                                       highest_block=self.highest_block, max_age_blocks=freshness['maxAgeBlocks'],
                                       max_age_seconds=freshness['maxAgeSeconds'], now=int(time.time()))
                self.check('MQTT: status asked on the questions topic, the answer verified', answer[3][0] == 1, answer[3])
            except AnswerRefused as error:
                self.check('MQTT: status asked on the questions topic, the answer verified', False, str(error))
            # The same question again: a refusal on the answers topic, JSON (an answer is CBOR tag 18, first byte 0xd2).
            self.question_sequence += 1
            session.publish(f'{base}/questions', question_message(self.key, 1, self.device, challenge, self.chain_id, self.question_sequence))
            raw = session.next(f'{base}/answers')
            problem = 'no refusal' if raw is None else None
            if raw is not None:
                got = json.loads(raw) if raw[:1] == b'{' else {}
                if set(got) != {'ref', 'status', 'error', 'message', 'errors'} or got['ref'] != str(self.question_sequence) or got['status'] != 409:
                    problem = f'not the documented refusal (ref {self.question_sequence}, 409): {raw[:200]!r}'
                else:
                    problem = refusal_shape_error(json.dumps({k: got[k] for k in ('error', 'message', 'errors')}).encode(), 'replayed_request', False)
            self.check('MQTT: a question repeating a recent challenge is refused replayed_request (409) on the answers topic', problem is None, problem)
        finally:
            session.close()
        verdict = self.wait_on_chain(4)
        self.check('MQTT: reading 4 accepted on chain', verdict == 'accepted', verdict)
        reused = Mqtt(host, port, client_id, self.device_hex, token)
        self.check('MQTT: a token that logged in before is refused (CONNACK 4)', reused.login() == 'Bad user name or password')
        reused.close()

    def report(self) -> dict[str, Any]:
        report = {'device': self.device_hex, 'ok': bool(self.checks) and all(c['ok'] for c in self.checks), 'checks': self.checks, 'answers': self.answers}
        if self.firmware is not None:
            report['firmware'] = self.firmware
        if self.owner_acknowledgement is not None:
            report['ownerAcknowledgement'] = self.owner_acknowledgement
        if self.envelope is not None:
            report['envelope'] = self.envelope
            report['acceptedCommand'] = self.accepted_command
        return report


# ---- owner acknowledgements (protocol.md, "Signed messages"; api.md, "POST /v1/devices/{id}/owner-acknowledgements") ----

def owner_acknowledgement_digest(chain_id: int, ownership: bytes, device: bytes, owner: bytes, epoch: int) -> bytes:
    """EIP-712 OwnerAcknowledgement(address device,address owner,uint64 epoch), domain "Pythia Ownership" / "1" / chain / DeviceOwnership."""
    type_hash = keccak256(b'EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)')
    domain = keccak256(type_hash + keccak256(b'Pythia Ownership') + keccak256(b'1') + uint256(chain_id) + ownership.rjust(32, b'\0'))
    struct = keccak256(keccak256(b'OwnerAcknowledgement(address device,address owner,uint64 epoch)')
                       + device.rjust(32, b'\0') + owner.rjust(32, b'\0') + uint256(epoch))
    return keccak256(b'\x19\x01' + domain + struct)


# ---- firmware (protocol.md, "Questions" 3 firmware_approved; api.md, "POST /v1/devices/{id}/firmware-reports") ----

def firmware_report_digest(chain_id: int, registry: bytes, device: bytes, sequence: int, digest: bytes, nonce: int) -> bytes:
    """EIP-712 FirmwareReport(address device,uint64 sequence,bytes32 digest,uint64 nonce), domain "Pythia Firmware" / "1" / chain / FirmwareRegistry."""
    type_hash = keccak256(b'EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)')
    domain = keccak256(type_hash + keccak256(b'Pythia Firmware') + keccak256(b'1') + uint256(chain_id) + registry.rjust(32, b'\0'))
    struct = keccak256(keccak256(b'FirmwareReport(address device,uint64 sequence,bytes32 digest,uint64 nonce)')
                       + device.rjust(32, b'\0') + uint256(sequence) + digest + uint256(nonce))
    return keccak256(b'\x19\x01' + domain + struct)


def image_verdict(approval: Any, class_id: int, release_class: int, release_sequence: int, running: int, image: bytes) -> str:
    """The device's check of a downloaded image against a verified firmware_approved answer (protocol.md, "Firmware: the device's check")."""
    approved, _reason, sequence, digest, size = approval
    if release_class != class_id:
        return 'wrong_class'
    if release_sequence <= running:
        return 'rollback'
    if approved is not True:
        return 'not_approved'
    if sequence != release_sequence:
        return 'rollback'
    if len(image) > size:
        return 'too_large'
    if len(image) != size:
        return 'size_mismatch'
    return 'ok' if hashlib.sha256(image).digest() == digest else 'digest_mismatch'


def firmware_device(run: 'Run', class_id: int, sequence: int, image: bytes) -> None:
    """Ask whether a release may be installed, check the image against the signed answer, install, report."""
    def approval(seq: int) -> Any:
        try:
            return run.ask(3, [run.device, class_id, seq], 'firmware_approved')[3]
        except AnswerRefused as error:
            run.check(f'firmware_approved for sequence {seq}: answer verified', False, str(error))
            return None
    unknown = approval(sequence + 1000)
    run.check('firmware_approved for a release never published: not approved, unknown_release, zeros',
              unknown is not None and list(unknown) == [False, 1, 0, b'\0' * 32, 0], unknown)
    answer = approval(sequence)
    if not run.check('firmware_approved for the published release: approved', answer is not None and answer[0] is True and answer[1] == 0, answer):
        return
    verdict = lambda data, running=0: image_verdict(answer, class_id, class_id, sequence, running, data)  # noqa: E731
    run.check('firmware: the published image matches the approved digest and size', verdict(image) == 'ok', verdict(image))
    flipped = bytearray(image)
    flipped[0] ^= 1
    run.check('firmware: an image with one bit flipped is refused digest_mismatch', verdict(bytes(flipped)) == 'digest_mismatch', verdict(bytes(flipped)))
    run.check('firmware: an image one byte short is refused size_mismatch', verdict(image[:-1]) == 'size_mismatch', verdict(image[:-1]))
    run.check('firmware: an image one byte long is refused too_large', verdict(image + b'\0') == 'too_large', verdict(image + b'\0'))
    run.check('firmware: the release when the device already runs it is refused rollback', verdict(image, sequence) == 'rollback', verdict(image, sequence))
    run.check('firmware: the unknown release is refused not_approved', unknown is not None and image_verdict(unknown, class_id, class_id, sequence + 1000, 0, image) == 'not_approved')
    # Installed: the signed report, refusals first (nothing stored), then the good one relayed on chain.
    registry = unhex(run.bundle['contracts']['firmwareRegistry'])
    url = f'{run.gateway}/v1/devices/{run.device_hex}/firmware-reports'
    digest = answer[3]

    def report(key: bytes, nonce: int, change: Any = None) -> tuple[int, dict[str, Any] | bytes]:
        body = {'sequence': sequence, 'digest': hexb(digest), 'nonce': nonce,
                'signature': hexb(sign_rsv(key, firmware_report_digest(run.chain_id, registry, run.device, sequence, digest, nonce)))}
        if change:
            change(body)
        status, _, response = http('POST', url, json.dumps(body).encode())
        return status, response

    def refused(name: str, got: tuple[int, Any], status: int, reason: str) -> None:
        problem = None if got[0] == status else f'status {got[0]}, the docs say {status}: {got[1][:200]!r}'
        problem = problem or refusal_shape_error(got[1], reason, False)
        run.check(name, problem is None, problem)
    refused('firmware report signed by another key refused bad_signature (401)', report(os.urandom(32), 1), 401, 'bad_signature')
    refused('firmware report with high s refused high_s_signature (400)',
            report(run.key, 1, lambda b: b.__setitem__('signature', hexb(high_s(unhex(b['signature']))))), 400, 'high_s_signature')
    refused('firmware report whose digest is not the signed one refused bad_signature (401)',
            report(run.key, 1, lambda b: b.__setitem__('digest', hexb(bytes(32)))), 401, 'bad_signature')
    status, body = report(run.key, 1)
    action = json.loads(body) if status == 202 else {}
    if not run.check('firmware report: 202 with the device action', status == 202 and action.get('kind') == 'firmware_report', f'{status} {body[:300]!r}'):
        return
    deadline = time.time() + 60
    while action.get('status') == 'pending' and time.time() < deadline:
        time.sleep(0.2)
        action = json.loads(http('GET', f'{run.gateway}/v1/device-actions/{action["id"]}')[2])
    run.check('firmware report: the device action is done (mined)', action.get('status') == 'done', action)
    run.firmware = {'sequence': sequence, 'digest': hexb(digest), 'size': answer[4], 'action': action}
    refused('firmware report with a used nonce refused replayed_nonce (409)', report(run.key, 1), 409, 'replayed_nonce')


# ---- commands (protocol.md, "Command consent"; the catalogue in "Command catalogue") ----

COMMAND_CODES = range(6)  # report_now .. set_led: ConsentRegistry KNOWN_COMMANDS = 0x3f
CONSENT_REFUSALS = ('none', 'unknown_consent', 'consent_not_yet_valid', 'consent_expired', 'consent_revoked', 'device_not_covered',
                    'ownership_changed', 'wrong_recipient', 'stream_not_covered', 'command_not_covered')
DECIMAL = re.compile(r'^(0|[1-9][0-9]*)$')


def command_digest(chain_id: int, registry: bytes, device: bytes, consent_id: int, code: int, args: bytes, nonce: int, expires_at: int) -> bytes:
    """The command's id: EIP-712 PythiaCommand under the domain "Pythia Command" / "1" / chain / ConsentRegistry."""
    type_hash = keccak256(b'EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)')
    domain = keccak256(type_hash + keccak256(b'Pythia Command') + keccak256(b'1') + uint256(chain_id) + registry.rjust(32, b'\0'))
    struct = keccak256(keccak256(b'PythiaCommand(address device,uint256 consentId,uint8 command,bytes args,uint64 nonce,uint64 expiresAt)')
                       + device.rjust(32, b'\0') + uint256(consent_id) + uint256(code) + keccak256(args) + uint256(nonce) + uint256(expires_at))
    return keccak256(b'\x19\x01' + domain + struct)


def recover(digest: bytes, signature: bytes) -> bytes:
    """The address a 65-byte r ‖ s ‖ v (v 27/28) signature of digest recovers."""
    public = coincurve.PublicKey.from_signature_and_message(signature[:64] + bytes([signature[64] - 27]), digest, hasher=None)
    return address_of(public.format(compressed=False)[1:])


def signature_format_error(signature: bytes) -> str | None:
    """protocol.md, "Signatures": the one encoding, its two reasons."""
    if len(signature) != 65 or signature[64] not in (27, 28):
        return 'bad_signature_format'
    r, s = int.from_bytes(signature[:32], 'big'), int.from_bytes(signature[32:64], 'big')
    if not (0 < r < N and 0 < s < N):
        return 'bad_signature_format'
    return 'high_s_signature' if s > N // 2 else None


def sign_command(key: bytes, chain_id: int, registry: bytes, device: bytes, consent_id: int, code: int, args: bytes, nonce: int, expires_at: int) -> dict[str, Any]:
    """An envelope as the gateway publishes it, signed by key (a recipient of this test's making)."""
    digest = command_digest(chain_id, registry, device, consent_id, code, args, nonce, expires_at)
    command = {'device': hexb(device), 'consentId': str(consent_id), 'command': code, 'args': hexb(args), 'nonce': str(nonce),
               'expiresAt': str(expires_at), 'recipient': hexb(address_of(public_key_xy(key)))}
    return {'id': hexb(digest), 'command': command, 'signature': hexb(sign_rsv(key, digest)), 'checkedAtBlock': '0'}


class CommandRefused(Exception):
    def __init__(self, reason: str, detail: str = ''):
        super().__init__(f'{reason}: {detail}' if detail else reason)
        self.reason = reason


class CommandGuard:
    """The device check of protocol.md, "Device check", in its order: the verdict 'accepted' or a reason."""

    def __init__(self, run: 'Run'):
        self.run = run
        self.registry = unhex(run.bundle['contracts']['consentRegistry'])
        self.seen: dict[tuple[bytes, int], int] = {}  # (recipient, nonce) -> expiresAt

    def check(self, raw: bytes) -> tuple[str, dict[str, Any] | None]:
        try:
            return 'accepted', self.checked(raw)
        except CommandRefused as refusal:
            return refusal.reason, None

    def checked(self, raw: bytes) -> dict[str, Any]:
        run = self.run
        # 1. shape and device
        try:
            envelope = json.loads(raw)
        except ValueError:
            raise CommandRefused('malformed', 'not JSON') from None
        fields = {'device', 'consentId', 'command', 'args', 'nonce', 'expiresAt', 'recipient'}
        if not isinstance(envelope, dict) or not {'command', 'signature'} <= set(envelope) <= {'id', 'command', 'signature', 'checkedAtBlock'}:
            raise CommandRefused('malformed', 'not { id, command, signature, checkedAtBlock }')
        command = envelope['command']
        if not isinstance(command, dict) or set(command) != fields:
            raise CommandRefused('malformed', f'command fields {sorted(command) if isinstance(command, dict) else command}')
        try:
            device, recipient = unhex(command['device']), unhex(command['recipient'])
            args, signature = unhex(command['args']), unhex(envelope['signature'])
            decimals = [command['consentId'], command['nonce'], command['expiresAt']]
            if not all(isinstance(d, str) and DECIMAL.match(d) for d in decimals):
                raise ValueError(f'not decimal strings: {decimals}')
            consent_id, nonce, expires_at = (int(d) for d in decimals)
            code = command['command']
            if not isinstance(code, int) or isinstance(code, bool) or len(device) != 20 or len(recipient) != 20 or len(args) > 256:
                raise ValueError('field sizes')
        except ValueError as error:
            raise CommandRefused('malformed', str(error)) from None
        if device != run.device:
            raise CommandRefused('wrong_device', command['device'])
        # 2. code, signature, expiry
        if code not in COMMAND_CODES:
            raise CommandRefused('unknown_command', str(code))
        problem = signature_format_error(signature)
        if problem:
            raise CommandRefused(problem)
        digest = command_digest(run.chain_id, self.registry, device, consent_id, code, args, nonce, expires_at)
        if recover(digest, signature) != recipient:
            raise CommandRefused('bad_signature', 'does not recover the recipient')
        now = int(time.time())
        if expires_at <= now:
            raise CommandRefused('command_expired')
        if expires_at > now + 300:
            raise CommandRefused('command_expiry_too_far')
        # 3. replay, a bounded set of live entries
        self.seen = {k: v for k, v in self.seen.items() if v > now}
        if (recipient, nonce) in self.seen:
            raise CommandRefused('replayed_command')
        if len(self.seen) >= 4096:
            raise CommandRefused('replay_window_full')
        self.seen[(recipient, nonce)] = expires_at
        # 4. question 4 consent, fresh challenge; fresh against the envelope's checkedAtBlock too, for this command only (it is unsigned)
        checked_at = envelope.get('checkedAtBlock')
        reference = int(checked_at) if isinstance(checked_at, str) and DECIMAL.match(checked_at) and len(checked_at) <= 20 else 0
        params = [device, recipient, consent_id, 0, 1 << code]
        try:
            answer = run.ask(4, params, 'consent', reference)
        except AnswerRefused as error:
            raise CommandRefused('answer_rejected', str(error)) from None
        permitted, refusal = answer[3][0], answer[3][1]
        # 5. permitted, else the refusal in the gateway's words
        if permitted is not True:
            raise CommandRefused(CONSENT_REFUSALS[refusal] if isinstance(refusal, int) and 0 < refusal < len(CONSENT_REFUSALS) else 'not_permitted')
        return {'id': hexb(digest), 'code': code, 'consentId': consent_id, 'expiry': answer[3][3], 'answerBlock': answer[5]}


def command_device(run: 'Run', host: str, port: int, wait: float) -> None:
    """Listen on the commands topic, check the first command as documented, then what the docs call bad."""
    base = f'pythia/v1/devices/{run.device_hex}'
    client_id = f'{run.device_hex}-commands'
    session = Mqtt(host, port, client_id, run.device_hex, mqtt_token(run.key, run.chain_id, client_id, int(time.time())))
    try:
        if not run.check('commands: the device logs in', session.login() == 'Success'):
            return
        if not run.check('commands: subscribes to its commands topic', session.subscribe([f'{base}/commands'])):
            return
        print('ready', flush=True)
        raw = session.next(f'{base}/commands', timeout=wait)
    finally:
        session.close()
    if not run.check('commands: an envelope arrives on the commands topic', raw is not None):
        return
    envelope = json.loads(raw)
    run.envelope = envelope
    guard = CommandGuard(run)
    verdict, accepted = guard.check(raw)
    run.check('commands: the relayed command passes the device check (signature, expiry, consent answer permitted)', verdict == 'accepted', verdict)
    run.accepted_command = accepted
    run.check('commands: the same envelope again is refused replayed_command', guard.check(raw)[0] == 'replayed_command')

    def tampered(name: str, change: Any, reason: str) -> None:
        copy = json.loads(raw)
        change(copy)
        got = guard.check(json.dumps(copy).encode())[0]
        run.check(f'commands: {name} is refused {reason}', got == reason, got)

    def bump(field: str) -> Any:
        return lambda e: e['command'].__setitem__(field, str(int(e['command'][field]) + 1))
    tampered('another nonce without a new signature', bump('nonce'), 'bad_signature')
    tampered('another consent id without a new signature', bump('consentId'), 'bad_signature')
    tampered('args changed without a new signature', lambda e: e['command'].__setitem__('args', '0x01'), 'bad_signature')
    tampered('a command for another device', lambda e: e['command'].__setitem__('device', hexb(os.urandom(20))), 'wrong_device')
    tampered('a high-s signature', lambda e: e.__setitem__('signature', hexb(high_s(unhex(e['signature'])))), 'high_s_signature')
    tampered('a code outside the catalogue', lambda e: e['command'].__setitem__('command', 6), 'unknown_command')
    tampered('an envelope without its signature', lambda e: e.pop('signature'), 'malformed')
    command = envelope['command']
    stranger = os.urandom(32)
    registry = guard.registry
    now = int(time.time())
    for name, expires, reason in (('expired', now - 1, 'command_expired'), ('expiring more than 300 s ahead', now + 400, 'command_expiry_too_far')):
        forged = sign_command(stranger, run.chain_id, registry, run.device, int(command['consentId']), command['command'], b'', 1, expires)
        got = guard.check(json.dumps(forged).encode())[0]
        run.check(f'commands: a command {name} is refused {reason}', got == reason, got)
    # A party without consent signs its own command under this consent: the gateway's answer says wrong_recipient.
    forged = sign_command(stranger, run.chain_id, registry, run.device, int(command['consentId']), command['command'], b'', 7, now + 120)
    got = guard.check(json.dumps(forged).encode())[0]
    run.check('commands: a command signed by a party without consent is refused wrong_recipient by the consent answer', got == 'wrong_recipient', got)
    # The gateway says it checked at a block more than maxAgeBlocks ahead of what the Pythia answers: that answer is stale for this command.
    ahead = {**sign_command(stranger, run.chain_id, registry, run.device, int(command['consentId']), command['command'], b'', 9, now + 120),
             'checkedAtBlock': str(int(envelope['checkedAtBlock']) + run.bundle['freshness']['maxAgeBlocks'] + 10)}
    got = guard.check(json.dumps(ahead).encode())[0]
    run.check('commands: a consent answer maxAgeBlocks behind the envelope\'s checkedAtBlock is refused answer_rejected (stale_answer)', got == 'answer_rejected', got)
    forged = sign_command(run.key, run.chain_id, registry, run.device, int(command['consentId']) + 1000, command['command'], b'', 8, now + 120)
    got = guard.check(json.dumps(forged).encode())[0]
    run.check('commands: a command under a consent that does not exist is refused unknown_consent by the consent answer', got == 'unknown_consent', got)


def read_key(path: str) -> bytes:
    key = unhex(Path(path).read_text().strip())
    if len(key) != 32 or not 0 < int.from_bytes(key, 'big') < N:
        raise SystemExit(f'{path}: not a secp256k1 private key (0x + 64 hex digits)')
    return key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    commands.add_parser('selftest', help="check this client against docs/protocol.md's test vectors")
    request = commands.add_parser('request', help='print the registration request of the device key')
    request.add_argument('--key-file', required=True)
    request.add_argument('--class', dest='class_id', type=int, required=True)
    request.add_argument('--site')
    run = commands.add_parser('run', help='run the conformance checks against a gateway; prints a JSON report')
    run.add_argument('--gateway', required=True)
    run.add_argument('--key-file', required=True)
    run.add_argument('--bundle', required=True, help='the provisioning bundle of `pythia bundle create`')
    run.add_argument('--mqtt', help="the embedded broker's host:port, to run the MQTT checks too")
    listen = commands.add_parser('command-device', help='wait on MQTT for one command, check it as docs say, then forged and replayed ones; JSON report')
    check = commands.add_parser('check-command', help='run the device check once on an envelope (a file); prints {"verdict": ...}')
    for sub in (listen, check):
        sub.add_argument('--gateway', required=True)
        sub.add_argument('--key-file', required=True)
        sub.add_argument('--bundle', required=True)
    listen.add_argument('--mqtt', required=True, help="the broker's host:port")
    listen.add_argument('--wait', type=float, default=60, help='seconds to wait for the command')
    check.add_argument('--envelope', required=True)
    firmware = commands.add_parser('firmware', help='ask firmware_approved, check the image against the answer, report the install; JSON report')
    firmware.add_argument('--gateway', required=True)
    firmware.add_argument('--key-file', required=True)
    firmware.add_argument('--bundle', required=True)
    firmware.add_argument('--class', dest='class_id', type=int, required=True)
    firmware.add_argument('--sequence', type=int, required=True)
    firmware.add_argument('--image', required=True, help='the image as downloaded from the release URI')
    args = parser.parse_args()
    if args.command == 'selftest':
        failures = selftest()
        print('\n'.join(failures) or 'ok')
        return 1 if failures else 0
    if args.command == 'request':
        print(json.dumps(registration_request(read_key(args.key_file), args.class_id, {'site': args.site} if args.site else None)))
        return 0
    if args.command == 'check-command':
        client = Run(args.gateway, read_key(args.key_file), json.loads(Path(args.bundle).read_text()))
        print(json.dumps({'verdict': CommandGuard(client).check(Path(args.envelope).read_bytes())[0]}))
        return 0
    broker = None
    if getattr(args, 'mqtt', None):
        host, _, port = args.mqtt.rpartition(':')
        broker = (host, int(port))
    client = Run(args.gateway, read_key(args.key_file), json.loads(Path(args.bundle).read_text()), broker)
    try:
        if args.command == 'command-device':
            assert broker is not None
            command_device(client, *broker, args.wait)
        elif args.command == 'firmware':
            firmware_device(client, args.class_id, args.sequence, Path(args.image).read_bytes())
        else:
            client.run()
    except Exception as error:  # noqa: BLE001 — reported as a failed check, with the report so far
        client.check('the run finished', False, f'{type(error).__name__}: {error}')
    report = client.report()
    print(json.dumps(report, indent=1, default=lambda o: hexb(o) if isinstance(o, bytes) else str(o)))
    return 0 if report['ok'] else 1


if __name__ == '__main__':
    sys.exit(main())

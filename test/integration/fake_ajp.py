"""A scripted fake AJP13 backend ("container") and a tiny AJP13 client, for integration tests.

Written from /work/shared/reference/ajp13.md (sections 1.1-1.11), independently of the module's
C++ codec, so that a bug there cannot hide itself in a test. Pure Python standard library.

The fake listens on 127.0.0.1 (port 0: a free one), accepts connections in a background thread,
serves each connection in a thread of its own and records everything:

    with FakeAjp() as fake:                          # or the pytest fixture `fake_ajp`
        fake.script(reply(200, body=b"hi"), close_before_headers())
        ... drive httpd with ProxyPass /x ajp://127.0.0.1:{fake.port}/x ...
        fake.requests[0].forward.req_uri             # parsed FORWARD_REQUEST
        fake.requests[0].body                        # reassembled request body
        fake.accepted, fake.open_connections         # reuse / leak checks
        fake.errors                                  # protocol violations by the client

Per request the fake runs, in this order: the next action queued with script(), else `handler`,
else a default 200 reply. An action is any callable taking an Exchange; the factories below
(reply, echo_sha256, garbage, close_before_headers, stall, headers_too_large, ...) build the
usual ones. As Tomcat does, the fake
  * reads the unsolicited first body packet right after a FORWARD_REQUEST with Content-Length>0
    (before the action runs, so an action that never reads the body is still fine),
  * asks for more body with GET_BODY_CHUNK(packet_size - 6) only when the action reads it, until
    it gets the empty packet (also after Content-Length bytes: reference 1.9 rule 4),
  * answers a configured `secret` mismatch with Tomcat's 403 + reuse=0 (reference 1.11),
  * closes the connection after END_RESPONSE reuse=0, on bad magic, on an unknown message type,
    on a packet larger than packet_size, and on a FORWARD_REQUEST it cannot parse.

Strings are decoded as ISO-8859-1 (lossless: every byte maps to one character).

PYTEST_DONT_REWRITE (no asserts here; also silences pytest's "already imported" warning when a
test module imports this file and lists it in pytest_plugins)
"""

import hashlib
import select
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

# ---- protocol constants (reference 1.3 - 1.8) ----------------------------------------------------

TO_CONTAINER_MAGIC = b"\x12\x34"
FROM_CONTAINER_MAGIC = b"AB"  # 0x41 0x42

FORWARD_REQUEST = 2
SEND_BODY_CHUNK = 3
SEND_HEADERS = 4
END_RESPONSE = 5
GET_BODY_CHUNK = 6
SHUTDOWN = 7
PING = 8
CPONG = 9
CPING = 10

CPING_BYTES = b"\x12\x34\x00\x01\x0a"
CPONG_BYTES = b"\x41\x42\x00\x01\x09"

DEFAULT_PACKET_SIZE = 8192
NULL_STRING = 0xFFFF

METHODS = {
    1: "OPTIONS", 2: "GET", 3: "HEAD", 4: "POST", 5: "PUT", 6: "DELETE", 7: "TRACE",
    8: "PROPFIND", 9: "PROPPATCH", 10: "MKCOL", 11: "COPY", 12: "MOVE", 13: "LOCK",
    14: "UNLOCK", 15: "ACL", 16: "REPORT", 17: "VERSION-CONTROL", 18: "CHECKIN",
    19: "CHECKOUT", 20: "UNCHECKOUT", 21: "SEARCH", 22: "MKWORKSPACE", 23: "UPDATE",
    24: "LABEL", 25: "MERGE", 26: "BASELINE-CONTROL", 27: "MKACTIVITY",
}
METHOD_CODES = {name: code for code, name in METHODS.items()}
SC_M_JK_STORED = 0xFF

# Request header codes: names as Tomcat's Constants.headerTransArray (lower case).
REQUEST_HEADERS = {
    0xA001: "accept", 0xA002: "accept-charset", 0xA003: "accept-encoding",
    0xA004: "accept-language", 0xA005: "authorization", 0xA006: "connection",
    0xA007: "content-type", 0xA008: "content-length", 0xA009: "cookie", 0xA00A: "cookie2",
    0xA00B: "host", 0xA00C: "pragma", 0xA00D: "referer", 0xA00E: "user-agent",
}
REQUEST_HEADER_CODES = {name: code for code, name in REQUEST_HEADERS.items()}

# Response header codes (reference 1.8; Status is 0xA00A).
RESPONSE_HEADERS = {
    0xA001: "Content-Type", 0xA002: "Content-Language", 0xA003: "Content-Length",
    0xA004: "Date", 0xA005: "Last-Modified", 0xA006: "Location", 0xA007: "Set-Cookie",
    0xA008: "Set-Cookie2", 0xA009: "Servlet-Engine", 0xA00A: "Status",
    0xA00B: "WWW-Authenticate",
}
RESPONSE_HEADER_CODES = {name: code for code, name in RESPONSE_HEADERS.items()}

# Attribute codes (reference 1.7). 0x0A (two strings) and 0x0B (int16) are special.
ATTR_CONTEXT = 0x01
ATTR_SERVLET_PATH = 0x02
ATTR_REMOTE_USER = 0x03
ATTR_AUTH_TYPE = 0x04
ATTR_QUERY_STRING = 0x05
ATTR_ROUTE = 0x06
ATTR_SSL_CERT = 0x07
ATTR_SSL_CIPHER = 0x08
ATTR_SSL_SESSION = 0x09
ATTR_REQ_ATTRIBUTE = 0x0A
ATTR_SSL_KEY_SIZE = 0x0B
ATTR_SECRET = 0x0C
ATTR_STORED_METHOD = 0x0D
ATTR_ARE_DONE = 0xFF
ATTRIBUTE_NAMES = {
    ATTR_CONTEXT: "context", ATTR_SERVLET_PATH: "servlet_path",
    ATTR_REMOTE_USER: "remote_user", ATTR_AUTH_TYPE: "auth_type",
    ATTR_QUERY_STRING: "query_string", ATTR_ROUTE: "route", ATTR_SSL_CERT: "ssl_cert",
    ATTR_SSL_CIPHER: "ssl_cipher", ATTR_SSL_SESSION: "ssl_session",
    ATTR_REQ_ATTRIBUTE: "req_attribute", ATTR_SSL_KEY_SIZE: "ssl_key_size",
    ATTR_SECRET: "secret", ATTR_STORED_METHOD: "stored_method",
}
ATTRIBUTE_CODES = {name: code for code, name in ATTRIBUTE_NAMES.items()}


class AjpError(Exception):
    """Malformed AJP bytes; `offset` is the byte offset in the packet payload."""

    def __init__(self, message, offset=None):
        super().__init__(message if offset is None else f"{message} (payload offset {offset})")
        self.offset = offset


# ---- encoding ----------------------------------------------------------------------------------

def enc_int(v):
    return struct.pack(">H", v)


def enc_string(s):
    """AJP string: int length, bytes, NUL. None is the null string 0xFFFF (no bytes, no NUL)."""
    if s is None:
        return enc_int(NULL_STRING)
    b = s if isinstance(s, (bytes, bytearray)) else str(s).encode("latin-1")
    if len(b) >= NULL_STRING:
        raise ValueError("AJP string too long")
    return enc_int(len(b)) + bytes(b) + b"\x00"


def container_packet(payload):
    """A container -> web server packet: 'AB' + length + payload."""
    return FROM_CONTAINER_MAGIC + enc_int(len(payload)) + bytes(payload)


def server_packet(payload):
    """A web server -> container packet: 0x1234 + length + payload."""
    return TO_CONTAINER_MAGIC + enc_int(len(payload)) + bytes(payload)


def send_headers_packet(status, reason=None, headers=(), use_codes=True):
    """SEND_HEADERS. reason None = the status digits, as Tomcat 10.1 sends. Each header is
    (name, value) or (int code, value); with use_codes a name that equals one of the response
    header names exactly (Tomcat's rule: case-sensitive) is sent as its code."""
    out = bytearray([SEND_HEADERS]) + enc_int(status) + enc_string(
        str(status) if reason is None else reason)
    out += enc_int(len(headers))
    for name, value in headers:
        if isinstance(name, int):
            out += enc_int(name)
        elif use_codes and name in RESPONSE_HEADER_CODES:
            out += enc_int(RESPONSE_HEADER_CODES[name])
        else:
            out += enc_string(name)
        out += enc_string(value)
    return container_packet(out)


def body_chunk_packet(data, trailing_nul=True):
    """SEND_BODY_CHUNK: type, int length, data, and (as Tomcat always does) one NUL."""
    return container_packet(bytes([SEND_BODY_CHUNK]) + enc_int(len(data)) + bytes(data)
                            + (b"\x00" if trailing_nul else b""))


def end_response_packet(reuse=True):
    return container_packet(bytes([END_RESPONSE, 1 if reuse else 0]))


def get_body_chunk_packet(requested):
    return container_packet(bytes([GET_BODY_CHUNK]) + enc_int(requested))


def body_packet(data):
    """A request-body packet to the container (no type byte); b"" gives the end-of-body
    packet 12 34 00 00."""
    if not data:
        return server_packet(b"")
    return server_packet(enc_int(len(data)) + bytes(data))


def encode_forward_request(method="GET", req_uri="/", protocol="HTTP/1.1",
                           remote_addr="127.0.0.1", remote_host=None, server_name="localhost",
                           server_port=80, is_ssl=False, headers=(), attributes=(),
                           query_string=None, secret=None, remote_port=None, route=None,
                           use_codes=True):
    """FORWARD_REQUEST packet (with its 0x1234 header), attributes in mod_proxy_ajp's order:
    secret, query_string, route, `attributes` (list of (code or name, value); 0x0A takes
    (name, value); 0x0B an int), stored method, AJP_REMOTE_PORT, then 0xFF. A method without
    a code goes as 0xFF + stored_method. Header names with a code are sent as codes."""
    code = METHOD_CODES.get(method, SC_M_JK_STORED)
    out = bytearray([FORWARD_REQUEST, code])
    out += enc_string(protocol) + enc_string(req_uri) + enc_string(remote_addr)
    out += enc_string(remote_host) + enc_string(server_name) + enc_int(server_port)
    out += bytes([1 if is_ssl else 0])
    out += enc_int(len(headers))
    for name, value in headers:
        hcode = REQUEST_HEADER_CODES.get(name.lower()) if use_codes else None
        out += enc_int(hcode) if hcode else enc_string(name)
        out += enc_string(value)
    if secret is not None:
        out += bytes([ATTR_SECRET]) + enc_string(secret)
    if query_string is not None:
        out += bytes([ATTR_QUERY_STRING]) + enc_string(query_string)
    if route is not None:
        out += bytes([ATTR_ROUTE]) + enc_string(route)
    for key, value in attributes:
        acode = ATTRIBUTE_CODES[key] if isinstance(key, str) else key
        out += bytes([acode])
        if acode == ATTR_REQ_ATTRIBUTE:
            out += enc_string(value[0]) + enc_string(value[1])
        elif acode == ATTR_SSL_KEY_SIZE:
            out += enc_int(value)
        else:
            out += enc_string(value)
    if code == SC_M_JK_STORED:
        out += bytes([ATTR_STORED_METHOD]) + enc_string(method)
    if remote_port is not None:
        out += bytes([ATTR_REQ_ATTRIBUTE]) + enc_string("AJP_REMOTE_PORT") + enc_string(
            str(remote_port))
    out.append(ATTR_ARE_DONE)
    return server_packet(out)


# ---- decoding ----------------------------------------------------------------------------------

class _Reader:
    """Bounds-checked reader over one packet payload; errors name the offset."""

    def __init__(self, data):
        self.data = bytes(data)
        self.pos = 0

    def remaining(self):
        return len(self.data) - self.pos

    def byte(self, what="byte"):
        if self.pos >= len(self.data):
            raise AjpError(f"payload ends before {what}", self.pos)
        v = self.data[self.pos]
        self.pos += 1
        return v

    def int16(self, what="int"):
        if self.pos + 2 > len(self.data):
            raise AjpError(f"payload ends inside {what}", self.pos)
        v = struct.unpack_from(">H", self.data, self.pos)[0]
        self.pos += 2
        return v

    def peek_int16(self, what="int"):
        if self.pos + 2 > len(self.data):
            raise AjpError(f"payload ends inside {what}", self.pos)
        return struct.unpack_from(">H", self.data, self.pos)[0]

    def string(self, what="string"):
        start = self.pos
        n = self.int16(what)
        if n == NULL_STRING:
            return None
        if self.pos + n + 1 > len(self.data):
            raise AjpError(f"{what} of {n} bytes runs past the payload", start)
        s = self.data[self.pos:self.pos + n]
        if self.data[self.pos + n] != 0:
            raise AjpError(f"{what} is not NUL-terminated", self.pos + n)
        self.pos += n + 1
        return s.decode("latin-1")


@dataclass
class ForwardRequest:
    """A parsed FORWARD_REQUEST (reference 1.4)."""
    method_code: int
    protocol: Optional[str]
    req_uri: Optional[str]
    remote_addr: Optional[str]
    remote_host: Optional[str]
    server_name: Optional[str]
    server_port: int
    is_ssl: bool
    headers: List[Tuple[str, str]] = field(default_factory=list)   # names lower-cased if coded
    header_codes: List[Optional[int]] = field(default_factory=list)  # 0xA0xx, or None (string)
    attributes: List[Tuple[int, str, object]] = field(default_factory=list)  # (code, name, value)
    req_attributes: List[Tuple[str, str]] = field(default_factory=list)
    raw: bytes = b""  # the whole packet, header included

    @property
    def method(self):
        """The method name: the table's, or the stored_method attribute for 0xFF."""
        if self.method_code == SC_M_JK_STORED:
            return self.attribute("stored_method")
        return METHODS.get(self.method_code, f"<invalid method code {self.method_code}>")

    def attribute(self, name):
        """Value of the first attribute called `name` (see ATTRIBUTE_NAMES), or None."""
        for _, n, v in self.attributes:
            if n == name:
                return v
        return None

    # Shorthands for the attributes tests look at most.
    context = property(lambda self: self.attribute("context"))
    servlet_path = property(lambda self: self.attribute("servlet_path"))
    remote_user = property(lambda self: self.attribute("remote_user"))
    auth_type = property(lambda self: self.attribute("auth_type"))
    query_string = property(lambda self: self.attribute("query_string"))
    route = property(lambda self: self.attribute("route"))
    ssl_cert = property(lambda self: self.attribute("ssl_cert"))
    ssl_cipher = property(lambda self: self.attribute("ssl_cipher"))
    ssl_session = property(lambda self: self.attribute("ssl_session"))
    ssl_key_size = property(lambda self: self.attribute("ssl_key_size"))
    secret = property(lambda self: self.attribute("secret"))
    stored_method = property(lambda self: self.attribute("stored_method"))

    def req_attribute(self, name):
        for n, v in self.req_attributes:
            if n == name:
                return v
        return None

    def header(self, name):
        """First value of header `name` (case-insensitive), or None."""
        vals = self.header_all(name)
        return vals[0] if vals else None

    def header_all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def content_length(self):
        v = self.header("content-length")
        return int(v) if v is not None and v.strip().isdigit() else None


def parse_forward_request(payload, raw=b""):
    """Parses a FORWARD_REQUEST payload (type byte first); raises AjpError with the offset."""
    r = _Reader(payload)
    if r.byte("type") != FORWARD_REQUEST:
        raise AjpError("not a FORWARD_REQUEST", 0)
    method_code = r.byte("method")
    if method_code != SC_M_JK_STORED and method_code not in METHODS:
        raise AjpError(f"invalid method code {method_code}", 1)
    fr = ForwardRequest(
        method_code=method_code,
        protocol=r.string("protocol"),
        req_uri=r.string("req_uri"),
        remote_addr=r.string("remote_addr"),
        remote_host=r.string("remote_host"),
        server_name=r.string("server_name"),
        server_port=r.int16("server_port"),
        is_ssl=False,
        raw=bytes(raw),
    )
    ssl = r.byte("is_ssl")
    if ssl not in (0, 1):
        raise AjpError(f"is_ssl is {ssl}, not 0 or 1", r.pos - 1)
    fr.is_ssl = ssl == 1
    for i in range(r.int16("num_headers")):
        at = r.pos
        v = r.peek_int16(f"header {i} name")
        if (v & 0xFF00) == 0xA000:
            r.int16()
            if v not in REQUEST_HEADERS:
                raise AjpError(f"unknown request header code 0x{v:04X}", at)
            name, code = REQUEST_HEADERS[v], v
        else:
            name, code = r.string(f"header {i} name"), None
            if name is None:
                raise AjpError(f"header {i} name is the null string", at)
        value = r.string(f"header {i} value")
        fr.headers.append((name, value))
        fr.header_codes.append(code)
    while True:
        at = r.pos
        code = r.byte("attribute code (the list must end with 0xFF)")
        if code == ATTR_ARE_DONE:
            break
        if code not in ATTRIBUTE_NAMES:
            raise AjpError(f"unknown attribute code 0x{code:02X}", at)
        name = ATTRIBUTE_NAMES[code]
        if code == ATTR_REQ_ATTRIBUTE:
            aname = r.string("req_attribute name")
            avalue = r.string("req_attribute value")
            fr.req_attributes.append((aname, avalue))
            value = (aname, avalue)
        elif code == ATTR_SSL_KEY_SIZE:
            value = r.int16("ssl_key_size")
        else:
            value = r.string(name)
        fr.attributes.append((code, name, value))
    if r.remaining():
        raise AjpError(f"{r.remaining()} bytes after the attribute terminator", r.pos)
    return fr


@dataclass
class ContainerMessage:
    """A parsed container -> web server message (what a client reads)."""
    type: int
    raw: bytes
    status: Optional[int] = None           # SEND_HEADERS
    reason: Optional[str] = None
    headers: List[Tuple[str, str]] = field(default_factory=list)
    data: bytes = b""                      # SEND_BODY_CHUNK
    reuse: Optional[bool] = None           # END_RESPONSE
    requested: Optional[int] = None        # GET_BODY_CHUNK


def parse_container_message(payload, raw=b""):
    r = _Reader(payload)
    t = r.byte("type")
    m = ContainerMessage(type=t, raw=bytes(raw))
    if t == SEND_HEADERS:
        m.status = r.int16("status")
        m.reason = r.string("reason")
        for i in range(r.int16("num_headers")):
            at = r.pos
            v = r.peek_int16(f"header {i} name")
            if (v & 0xFF00) == 0xA000:
                r.int16()
                if v not in RESPONSE_HEADERS:
                    raise AjpError(f"unknown response header code 0x{v:04X}", at)
                name = RESPONSE_HEADERS[v]
            else:
                name = r.string(f"header {i} name")
            m.headers.append((name, r.string(f"header {i} value")))
    elif t == SEND_BODY_CHUNK:
        n = r.int16("chunk length")
        if n > r.remaining():
            raise AjpError(f"chunk of {n} bytes runs past the payload", 1)
        m.data = r.data[r.pos:r.pos + n]
    elif t == END_RESPONSE:
        if len(payload) != 2:
            raise AjpError(f"END_RESPONSE payload is {len(payload)} bytes, not 2", 0)
        m.reuse = r.byte("reuse") == 1
    elif t == GET_BODY_CHUNK:
        m.requested = r.int16("requested length")
    elif t == CPONG:
        if len(payload) != 1:
            raise AjpError("CPONG with a payload", 1)
    else:
        raise AjpError(f"unknown container message type {t}", 0)
    return m


# ---- socket helpers ----------------------------------------------------------------------------

def recv_exact(sock, n, record=None):
    """Exactly n bytes, or fewer if the peer closed (b"" at a clean EOF). Appends to record."""
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    if record is not None:
        record += out
    return bytes(out)


def read_packet(sock, magic, max_size=65535 + 4, record=None):
    """(payload, raw) of the next packet; (None, raw) at EOF before a whole packet. Raises
    AjpError on a wrong magic or a packet larger than max_size (header included)."""
    head = recv_exact(sock, 4, record)
    if len(head) < 4:
        return None, head
    if head[:2] != magic:
        raise AjpError(f"bad magic {head[:2].hex()} (expected {magic.hex()})", -4)
    n = struct.unpack(">H", head[2:])[0]
    if n + 4 > max_size:
        raise AjpError(f"packet of {n + 4} bytes exceeds the packet size {max_size}", -2)
    payload = recv_exact(sock, n, record)
    if len(payload) < n:
        return None, head + payload
    return payload, head + payload


# ---- the tiny client (used to probe Tomcat and to check the fake) ------------------------------

@dataclass
class AjpResponse:
    status: Optional[int] = None
    reason: Optional[str] = None
    headers: List[Tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    reuse: Optional[bool] = None            # None: connection ended without END_RESPONSE
    messages: List[ContainerMessage] = field(default_factory=list)
    get_body_chunks: List[int] = field(default_factory=list)  # requested sizes

    def header(self, name):
        vals = self.header_all(name)
        return vals[0] if vals else None

    def header_all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]


class AjpClient:
    """A blocking one-request-at-a-time AJP13 client (the web server side)."""

    def __init__(self, host="127.0.0.1", port=8009, timeout=10.0,
                 packet_size=DEFAULT_PACKET_SIZE):
        self.packet_size = packet_size
        self.sock = socket.create_connection((host, port), timeout=timeout)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def local_port(self):
        return self.sock.getsockname()[1]

    def read_message(self):
        payload, raw = read_packet(self.sock, FROM_CONTAINER_MAGIC, self.packet_size)
        if payload is None:
            return None
        return parse_container_message(payload, raw)

    def cping(self):
        """True when a CPING gets exactly a CPONG."""
        self.sock.sendall(CPING_BYTES)
        return recv_exact(self.sock, 5) == CPONG_BYTES

    def request(self, method="GET", uri="/", query=None, headers=(), body=None, chunked=False,
                secret=None, remote_port=None, **fields):
        """Sends one request and reads the response up to END_RESPONSE (or EOF). With a body
        and not chunked, Content-Length is added, the first packet goes unsolicited; every
        GET_BODY_CHUNK is answered with the next piece or the empty packet."""
        headers = list(headers)
        body = body or b""
        if body and not chunked and not any(n.lower() == "content-length" for n, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        self.sock.sendall(encode_forward_request(
            method=method, req_uri=uri, query_string=query, headers=headers, secret=secret,
            remote_port=remote_port, **fields))
        maxdata = self.packet_size - 6
        sent = 0
        if body and not chunked:
            sent = min(len(body), maxdata)
            self.sock.sendall(body_packet(body[:sent]))
        resp = AjpResponse()
        out = bytearray()
        while True:
            m = self.read_message()
            if m is None:
                break
            resp.messages.append(m)
            if m.type == SEND_HEADERS:
                resp.status, resp.reason, resp.headers = m.status, m.reason, m.headers
            elif m.type == SEND_BODY_CHUNK:
                out += m.data
            elif m.type == GET_BODY_CHUNK:
                resp.get_body_chunks.append(m.requested)
                n = min(m.requested, maxdata, len(body) - sent)
                self.sock.sendall(body_packet(body[sent:sent + n]))
                sent += n
            elif m.type == END_RESPONSE:
                resp.reuse = m.reuse
                break
        resp.body = bytes(out)
        return resp


def cping(host, port, timeout=2.0):
    """True if host:port answers a CPING with a CPONG within `timeout` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(CPING_BYTES)
            return recv_exact(s, 5) == CPONG_BYTES
    except OSError:
        return False


# ---- the fake container ------------------------------------------------------------------------

class PeerClosed(Exception):
    """The web server closed the connection while the fake was reading."""


@dataclass
class BodyPacket:
    data: bytes
    raw: bytes
    requested: Optional[int]  # the GET_BODY_CHUNK size it answered; None = unsolicited


class RequestRecord:
    """One FORWARD_REQUEST the fake received, and what happened to it."""

    def __init__(self, conn, index, forward):
        self.conn = conn                      # ConnectionRecord
        self.index = index                    # 0, 1, ... on its connection
        self.forward: ForwardRequest = forward
        self.body_packets: List[BodyPacket] = []
        self.body_complete = False            # the empty packet arrived
        self.secret_rejected = False
        self.unrequested_packets = 0          # body bytes that arrived before being asked for
        self.events: List[str] = []

    raw = property(lambda self: self.forward.raw)

    @property
    def body(self):
        return b"".join(p.data for p in self.body_packets)

    def __repr__(self):
        f = self.forward
        return f"<request #{self.index} on conn {self.conn.id}: {f.method} {f.req_uri}>"


class ConnectionRecord:
    def __init__(self, cid, sock, peer):
        self.id = cid
        self.sock = sock
        self.peer = peer
        self.accepted_at = time.monotonic()
        self.closed_at = None
        self.closed_by = None                 # "peer" | "fake" | "stop"
        self.raw_in = bytearray()
        self.raw_out = bytearray()
        self.requests: List[RequestRecord] = []
        self.cpings = 0
        self.events: List[str] = []           # socket errors etc. (not protocol errors)

    @property
    def open(self):
        return self.closed_at is None


class Exchange:
    """What an action gets: the request, and ways to answer it."""

    def __init__(self, fake, conn, record):
        self.fake = fake
        self.conn = conn
        self.record = record
        self.req: ForwardRequest = record.forward
        self.packet_size = fake.packet_size
        self.headers_sent = False
        self.ended = False
        self.reuse = None
        self.closed = False

    # -- body
    def read_body_packet(self, requested=None):
        """Sends GET_BODY_CHUNK(requested, default packet_size - 6) and returns the data of the
        answer (b"" = end of body). Returns b"" at once if the body already ended."""
        if self.record.body_complete:
            return b""
        if requested is None:
            requested = self.packet_size - 6
        self.fake._check_unrequested(self.conn, self.record)
        self.send_raw(get_body_chunk_packet(requested))
        pkt = self.fake._read_body_packet(self.conn, self.record, requested)
        return pkt.data

    def read_body(self):
        """Reads the whole request body as Tomcat does (GET_BODY_CHUNK until the empty packet);
        returns it all, the unsolicited first packet included."""
        while not self.record.body_complete:
            self.read_body_packet()
        return self.record.body

    # -- response
    def send_raw(self, data):
        try:
            self.conn.sock.sendall(data)
        except OSError as e:
            self.conn.events.append(f"send failed: {e}")
            raise PeerClosed(str(e)) from e
        self.conn.raw_out += data

    def send_headers(self, status=200, reason=None, headers=(), use_codes=True):
        self.send_raw(send_headers_packet(status, reason, headers, use_codes))
        self.headers_sent = True

    def send_body(self, data, chunk_size=None):
        """SEND_BODY_CHUNKs of at most chunk_size (default packet_size - 8, Tomcat's maximum)."""
        chunk_size = chunk_size or self.packet_size - 8
        for i in range(0, len(data), chunk_size):
            self.send_raw(body_chunk_packet(data[i:i + chunk_size]))

    def flush(self):
        """A zero-length SEND_BODY_CHUNK, as Tomcat sends for an explicit flush."""
        self.send_raw(body_chunk_packet(b""))

    def end(self, reuse=True):
        self.send_raw(end_response_packet(reuse))
        self.ended = True
        self.reuse = reuse

    def reply(self, status=200, reason=None, headers=(), body=b"", chunk_size=None, reuse=True):
        self.send_headers(status, reason, headers)
        if body:
            self.send_body(body, chunk_size)
        self.end(reuse)

    # -- faults
    def close(self):
        """Closes the connection now (hard, no END_RESPONSE)."""
        self.fake._close_conn(self.conn, "fake")
        self.closed = True

    def stall(self, seconds):
        """Sleeps; returns early (False) when the fake is stopped."""
        return not self.fake._stop.wait(seconds)

    def wait_peer_close(self, timeout):
        """Waits until the web server closes the connection (True) or timeout (False); bytes it
        sends meanwhile are recorded and ignored."""
        return self.fake._drain_until_closed(self.conn, timeout)


# -- canned actions: each returns a callable taking an Exchange ----------------------------------

def reply(status=200, reason=None, headers=(), body=b"", chunk_size=None, reuse=True,
          read_body=False):
    """A plain response. reason None = the status digits (Tomcat). With read_body the request
    body is read first."""
    def action(ex):
        if read_body:
            ex.read_body()
        ex.reply(status, reason, headers, body, chunk_size, reuse)
    action.__name__ = f"reply({status})"
    return action


def text_reply(text, status=200, reuse=True, extra_headers=()):
    """A text/plain response with Content-Length."""
    body = text.encode() if isinstance(text, str) else text
    return reply(status, headers=[("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(body))), *extra_headers],
                 body=body, reuse=reuse)


def body_digest_text(body):
    return f"length: {len(body)}\nsha256: {hashlib.sha256(body).hexdigest()}\n"


def echo_sha256(status=200, reuse=True):
    """Reads the whole request body, answers 'length: N\\nsha256: HEX\\n' (like upload.jsp)."""
    def action(ex):
        body = ex.read_body()
        text = body_digest_text(body).encode()
        ex.reply(status, headers=[("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(text)))], body=text, reuse=reuse)
    return action


def echo_request(reuse=True):
    """Answers with the parsed request as 'key: value' lines (headers as 'header.NAME: v')."""
    def action(ex):
        f = ex.req
        lines = [f"method: {f.method}", f"req_uri: {f.req_uri}",
                 f"query_string: {f.query_string}", f"remote_addr: {f.remote_addr}",
                 f"server_name: {f.server_name}", f"server_port: {f.server_port}",
                 f"is_ssl: {f.is_ssl}"]
        lines += [f"header.{n}: {v}" for n, v in f.headers]
        lines += [f"attr.{n}: {v}" for n, v in f.req_attributes]
        text = ("\n".join(lines) + "\n").encode("latin-1", "replace")
        ex.reply(200, headers=[("Content-Type", "text/plain"),
                               ("Content-Length", str(len(text)))], body=text, reuse=reuse)
    return action


def garbage(data=b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", close=False, wait=5.0):
    """Sends bytes that are not AJP. Without close, keeps the connection open until the web
    server closes it (at most `wait` s), so only the bytes can tell it something is wrong."""
    def action(ex):
        ex.send_raw(data)
        if not close:
            ex.wait_peer_close(wait)
        ex.close()
    return action


def close_before_headers():
    """Closes the connection without sending anything."""
    return lambda ex: ex.close()


def close_after_headers(status=200, headers=(("Content-Type", "text/plain"),
                                             ("Content-Length", "1000"))):
    def action(ex):
        ex.send_headers(status, None, headers)
        ex.close()
    return action


def close_mid_body(total=100000, sent=20000, chunk_size=None):
    """Promises `total` bytes (Content-Length), sends `sent` of them, closes."""
    def action(ex):
        ex.send_headers(200, None, [("Content-Type", "application/octet-stream"),
                                    ("Content-Length", str(total))])
        ex.send_body(pattern(sent), chunk_size)
        ex.close()
    return action


def stall(seconds, then=None):
    """Waits `seconds` (for timeouts), then runs `then` (an action) or closes."""
    def action(ex):
        if ex.stall(seconds) and then is not None:
            then(ex)
        else:
            ex.close()
    return action


def headers_too_large(value_size=9000, status=200):
    """A SEND_HEADERS whose payload exceeds packet_size - 4 (honest length field)."""
    def action(ex):
        ex.send_headers(status, None, [("Content-Type", "text/plain"),
                                       ("X-Big", "x" * value_size)])
        ex.wait_peer_close(5.0)
        ex.close()
    return action


def raw_bytes(data, close=True):
    """Sends exactly `data` (e.g. a hand-made response), then closes unless told not to."""
    def action(ex):
        ex.send_raw(data)
        if close:
            ex.close()
        else:
            ex.ended = True
            ex.reuse = True
    return action


# Tomcat 10.1.60's answer to a missing or wrong secret (reference 1.11, checked live).
TOMCAT_403_BODY = (
    '<!doctype html><html lang="en"><head><title>HTTP Status 403 – Forbidden</title>'
    '<style type="text/css">body {font-family:Tahoma,Arial,sans-serif;} h1, h2, h3, b '
    '{color:white;background-color:#525D76;} h1 {font-size:22px;} h2 {font-size:16px;} h3 '
    '{font-size:14px;} p {font-size:12px;} a {color:black;} .line {height:1px;'
    'background-color:#525D76;border:none;}</style></head><body><h1>HTTP Status 403 – '
    'Forbidden</h1><hr class="line" /><p><b>Type</b> Status Report</p><p><b>Description</b> '
    'The server understood the request but refuses to authorize it.</p><hr class="line" />'
    '<h3>Apache Tomcat/10.1.60 (Debian)</h3></body></html>').encode("utf-8")


def secret_rejected():
    """Tomcat's 403 for a wrong secret: SEND_HEADERS 403 "403", HTML body, reuse=0."""
    def action(ex):
        ex.reply(403, None, [("Content-Type", "text/html;charset=utf-8"),
                             ("Content-Language", "en"),
                             ("Content-Length", str(len(TOMCAT_403_BODY)))],
                 TOMCAT_403_BODY, reuse=False)
    return action


def pattern(n, offset=0):
    """n bytes of a deterministic pattern (byte i = (i * 7 + 3) % 251; same as download.jsp)."""
    period = bytes((i * 7 + 3) % 251 for i in range(251))
    start = offset % 251
    reps = (start + n) // 251 + 1
    return (period * reps)[start:start + n]


def default_action(ex):
    text_reply("fake-ajp ok\n")(ex)


class FakeAjp:
    """The fake container. Attributes you may set at any time: handler (an action used when
    the script is empty), cping ("pong" | "stall" | "garbage" | "close"), secret (None = not
    checked; else a mismatch gets Tomcat's 403)."""

    def __init__(self, handler=None, actions=(), packet_size=DEFAULT_PACKET_SIZE, secret=None,
                 cping="pong", host="127.0.0.1", io_timeout=10.0, port=0):
        self.handler: Optional[Callable] = handler
        self._script = deque(actions)
        self.packet_size = packet_size
        self.secret = secret
        self.cping = cping
        self.host = host
        self.io_timeout = io_timeout  # reading a body packet / waiting inside an exchange
        self.port = None
        self._bind_port = port  # 0: a free one
        self.connections: List[ConnectionRecord] = []
        self.requests: List[RequestRecord] = []
        self.errors: List[str] = []   # protocol violations by the web server
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._listener = None
        self._threads: List[threading.Thread] = []

    # -- lifecycle
    def start(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((self.host, self._bind_port))
        ls.listen(64)
        ls.settimeout(0.1)
        self._listener = ls
        self.port = ls.getsockname()[1]
        t = threading.Thread(target=self._accept_loop, name=f"fake-ajp-{self.port}",
                             daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self):
        """Stops accepting, closes every connection, joins the threads. Idempotent."""
        self._stop.set()
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept thread at once
            except OSError:
                pass
            self._listener.close()
        with self._lock:
            conns = list(self.connections)
        for c in conns:
            self._close_conn(c, "stop")
        for t in list(self._threads):
            t.join(5)

    def __enter__(self):
        return self.start() if self.port is None else self

    def __exit__(self, *exc):
        self.stop()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def url(self, path=""):
        return f"ajp://127.0.0.1:{self.port}{path}"

    # -- scripting
    def script(self, *actions):
        """Queues actions for the next requests, one per request, in order."""
        with self._lock:
            self._script.extend(actions)
        return self

    def _next_action(self):
        with self._lock:
            if self._script:
                return self._script.popleft()
        return self.handler or default_action

    # -- what happened
    @property
    def accepted(self):
        """Connections accepted so far."""
        with self._lock:
            return len(self.connections)

    @property
    def open_connections(self):
        """Connections currently open."""
        with self._lock:
            return sum(1 for c in self.connections if c.open)

    @property
    def request_connections(self):
        """Connections that carried at least one FORWARD_REQUEST (health-check connections with
        only CPINGs left out)."""
        with self._lock:
            return [c for c in self.connections if c.requests]

    @property
    def cpings(self):
        with self._lock:
            return sum(c.cpings for c in self.connections)

    @property
    def last_request(self):
        with self._lock:
            return self.requests[-1] if self.requests else None

    def wait_for(self, predicate, timeout=5.0):
        """Waits until predicate() is true (re-checked on every event and every 50 ms)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with self._cond:
                self._cond.wait(min(left, 0.05))
        return True

    def wait_requests(self, n, timeout=5.0):
        return self.wait_for(lambda: len(self.requests) >= n, timeout)

    def _notify(self):
        with self._cond:
            self._cond.notify_all()

    def _error(self, conn, message):
        with self._lock:
            self.errors.append(f"conn {conn.id}: {message}")
        self._notify()

    # -- threads
    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                sock, peer = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                conn = ConnectionRecord(len(self.connections) + 1, sock, peer)
                self.connections.append(conn)
                t = threading.Thread(target=self._serve, args=(conn,),
                                     name=f"fake-ajp-{self.port}-c{conn.id}", daemon=True)
                self._threads.append(t)
            self._notify()
            t.start()

    def _close_conn(self, conn, by):
        with self._lock:
            if conn.closed_at is not None:
                return
            conn.closed_at = time.monotonic()
            conn.closed_by = by
        try:
            conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            conn.sock.close()
        except OSError:
            pass
        self._notify()

    def _drain_until_closed(self, conn, timeout):
        deadline = time.monotonic() + timeout
        sock = conn.sock
        while time.monotonic() < deadline and not self._stop.is_set():
            try:
                ready, _, _ = select.select([sock], [], [], 0.05)
                if ready:
                    data = sock.recv(65536)
                    if not data:
                        return True
                    conn.raw_in += data
            except (OSError, ValueError):
                return True
        return False

    def _read(self, conn, idle):
        """Next to-container packet payload; None when the peer closed."""
        conn.sock.settimeout(None if idle else self.io_timeout)
        payload, raw = read_packet(conn.sock, TO_CONTAINER_MAGIC, self.packet_size, conn.raw_in)
        return payload, raw

    def _serve(self, conn):
        try:
            while not self._stop.is_set():
                try:
                    payload, raw = self._read(conn, idle=True)
                except AjpError as e:
                    self._error(conn, f"between requests: {e}")
                    break
                if payload is None:
                    if raw:
                        self._error(conn, f"connection closed inside a packet ({len(raw)} bytes)")
                    self._close_conn(conn, "peer")
                    return
                if not payload:
                    self._error(conn, "empty packet where a message was expected")
                    break
                kind = payload[0]
                if kind == CPING:
                    if not self._answer_cping(conn, payload):
                        break
                elif kind == FORWARD_REQUEST:
                    if not self._handle_request(conn, payload, raw):
                        break
                else:
                    self._error(conn, f"unexpected message type {kind} "
                                      f"(payload {payload[:16].hex()})")
                    break
        except (OSError, PeerClosed) as e:
            conn.events.append(f"connection ended: {e!r}")
            self._close_conn(conn, "peer")
            return
        except Exception as e:  # noqa: BLE001  (a fake must never die silently)
            self._error(conn, f"fake crashed: {e!r}")
        self._close_conn(conn, "fake" if not self._stop.is_set() else "stop")

    def _answer_cping(self, conn, payload):
        with self._lock:
            conn.cpings += 1
        self._notify()
        if len(payload) != 1:
            self._error(conn, f"CPING with {len(payload) - 1} extra bytes")
        mode = self.cping
        if mode == "pong":
            conn.sock.sendall(CPONG_BYTES)
            conn.raw_out += CPONG_BYTES
            return True
        if mode == "garbage":
            conn.sock.sendall(b"HTTP/1.1 400 Bad\r\n\r\n")
            return True
        if mode == "stall":
            # Never answer; keep reading (and recording) until the peer gives up.
            self._drain_until_closed(conn, 3600)
            return False
        return False  # "close"

    def _handle_request(self, conn, payload, raw):
        try:
            fwd = parse_forward_request(payload, raw)
        except AjpError as e:
            self._error(conn, f"bad FORWARD_REQUEST: {e}; packet {bytes(raw[:64]).hex()}")
            return False
        rec = RequestRecord(conn, len(conn.requests), fwd)
        with self._lock:
            conn.requests.append(rec)
            self.requests.append(rec)
        self._notify()
        cl = fwd.content_length()
        if len(fwd.header_all("content-length")) > 1:
            self._error(conn, "more than one Content-Length header")
        if cl:
            # Reference 1.9 rule 1: the first body packet comes unsolicited.
            try:
                self._read_body_packet(conn, rec, None)
            except socket.timeout:
                self._error(conn, f"no unsolicited first body packet (Content-Length {cl})")
                return False
        ex = Exchange(self, conn, rec)
        if self.secret is not None and fwd.secret != self.secret:
            rec.secret_rejected = True
            secret_rejected()(ex)
            return False
        action = self._next_action()
        try:
            action(ex)
        except PeerClosed:
            return False
        except socket.timeout:
            rec.events.append("timed out waiting for the web server")
            return False
        finally:
            self._notify()
        if ex.closed or not ex.ended:
            return False
        return bool(ex.reuse)

    def _check_unrequested(self, conn, rec):
        """Counts body data the web server sent without being asked (reference 1.9 rule 6)."""
        try:
            ready, _, _ = select.select([conn.sock], [], [], 0)
            # (recv with MSG_DONTWAIT would still wait: Python polls first on a timeout socket)
            data = conn.sock.recv(1, socket.MSG_PEEK) if ready else b""
        except OSError:
            return
        if data:
            rec.unrequested_packets += 1
            self._error(conn, "body data arrived before it was asked for")

    def _read_body_packet(self, conn, rec, requested):
        try:
            payload, raw = self._read(conn, idle=False)
        except AjpError as e:
            self._error(conn, f"body packet: {e}")
            raise PeerClosed(str(e)) from e
        if payload is None:
            raise PeerClosed("connection closed while reading the request body")
        if len(payload) == 0:
            data = b""
        else:
            if len(payload) < 2:
                self._error(conn, "body packet of 1 byte")
                raise PeerClosed("bad body packet")
            n = struct.unpack(">H", payload[:2])[0]
            if n > len(payload) - 2:
                self._error(conn, f"body packet length {n} runs past its payload")
                raise PeerClosed("bad body packet")
            if n != len(payload) - 2:
                rec.events.append(f"body packet with {len(payload) - 2 - n} trailing bytes")
            data = payload[2:2 + n]
        limit = self.packet_size - 6 if requested is None else min(requested,
                                                                   self.packet_size - 6)
        if len(data) > limit:
            self._error(conn, f"body packet of {len(data)} bytes, more than the {limit} allowed")
        pkt = BodyPacket(data, raw, requested)
        with self._lock:
            if not data:
                rec.body_complete = True
            rec.body_packets.append(pkt)
        cl = rec.forward.content_length()
        if cl is not None and len(rec.body) > cl:
            self._error(conn, f"{len(rec.body)} body bytes, more than Content-Length {cl}")
        self._notify()
        return pkt


# ---- pytest fixtures (register with pytest_plugins = ["fake_ajp"]) -------------------------------

try:
    import pytest
except ImportError:  # the module is also usable without pytest
    pytest = None

if pytest is not None:
    @pytest.fixture
    def fake_ajp_factory():
        """fake_ajp_factory(handler=None, actions=(), packet_size=8192, secret=None, ...) ->
        a started FakeAjp; all are stopped at teardown."""
        made = []

        def make(*args, **kwargs):
            f = FakeAjp(*args, **kwargs).start()
            made.append(f)
            return f

        yield make
        for f in made:
            f.stop()

    @pytest.fixture
    def fake_ajp(fake_ajp_factory):
        """A started FakeAjp with the default behaviour (200 "fake-ajp ok")."""
        return fake_ajp_factory()

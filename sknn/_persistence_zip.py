"""The container of an sknn model file: a strict zip reader, the writer, the checksum / HMAC.

A model file is an uncompressed ("stored") zip archive: ``sknn.json`` (the
header), ``arrays/<i>.npy`` and one integrity member, ``sknn.sha256`` or, when
saved with a key, ``sknn.hmac-sha256``. The reader here is not :mod:`zipfile`:
it parses the archive itself so that every structure is bounded and checked
before anything is read into memory -- entry count against the central
directory's size, every entry inside the file, no overlapping or duplicated
entries, no compression (so no zip bomb), local and central headers agreeing,
CRC-32 of every member -- and each failure has its own reason.
"""

import hashlib
import hmac
import io
import os
import struct
import zipfile
import zlib

from ._persistence_errors import refuse

__all__ = ["FORMAT_NAME", "HEADER_NAME", "write_container", "read_container", "as_key"]

FORMAT_NAME = "sknn-model"
HEADER_NAME = "sknn.json"
SHA_NAME = "sknn.sha256"
HMAC_NAME = "sknn.hmac-sha256"
MAX_MEMBERS = 1_000_000

_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_UTF8_FLAG = 0x800
_FULL32 = 0xFFFFFFFF


def array_name(i):
    return f"arrays/{i}.npy"


def as_key(key):
    """The HMAC key as bytes (a str is encoded as UTF-8); None stays None."""
    if key is None:
        return None
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray, memoryview)):
        raise TypeError(f"key must be bytes or str, got {type(key).__name__}.")
    key = bytes(key)
    if not key:
        raise ValueError("key must not be empty.")
    return key


def _mac(header, members, key):
    """SHA-256 (no key) or HMAC-SHA256 of the header and the array members, length-prefixed."""
    h = hmac.new(key, digestmod=hashlib.sha256) if key is not None else hashlib.sha256()
    h.update(FORMAT_NAME.encode() + (b":hmac" if key is not None else b""))
    for data in (header, *members):
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest().encode()


def write_container(file, header, members, key=None):
    """Write the archive to a path or a binary file object (atomically for paths)."""
    buf = io.BytesIO()
    names = [(HEADER_NAME, header)] + [(array_name(i), m) for i, m in enumerate(members)]
    names.append((HMAC_NAME if key is not None else SHA_NAME, _mac(header, members, key)))
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in names:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # same model, same bytes
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, bytes(data))
    data = buf.getvalue()
    if isinstance(file, (str, os.PathLike)):
        tmp = os.fspath(file) + ".tmp"
        try:
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, file)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    else:
        file.write(data)


def _read_bytes(file):
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as f:
            return f.read()
    data = file.read()
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("sknn.load needs a path or a binary file object.")
    return bytes(data)


def _unpack(fmt, data, offset, what):
    if offset < 0 or offset + fmt.size > len(data):
        refuse("truncated", f"The file ends inside the {what}.")
    return fmt.unpack_from(data, offset)


def _end_of_directory(data):
    """Locate the central directory: (offset, size, count, end)."""
    n = len(data)
    end = n - _EOCD.size
    if n < _EOCD.size or data[end : end + 4] != b"PK\x05\x06":
        tail = max(0, n - 65536 - _EOCD.size)
        found = bytes(data[tail:]).rfind(b"PK\x05\x06")
        if found >= 0 and tail + found + _EOCD.size < n:
            refuse("zip_layout", "The zip archive ends with a comment; sknn files have none.")
        if data[:4] == b"PK\x03\x04":
            refuse("truncated", "The zip archive has no end record: the file is truncated.")
        refuse("not_a_model", "Not an sknn model file (not a zip archive).")
    _, disk, cd_disk, n_disk, count, cd_size, cd_offset, comment = _EOCD.unpack_from(data, end)
    if comment or disk or cd_disk or n_disk != count:
        refuse("zip_layout", "The zip end record has a comment or spans several disks.")
    if count == 0xFFFF or _FULL32 in (cd_size, cd_offset):
        locator = end - _EOCD64_LOCATOR.size
        sig, loc_disk, record_offset, disks = _unpack(_EOCD64_LOCATOR, data, locator, "zip64 locator")
        if sig != b"PK\x06\x07" or loc_disk or disks != 1 or record_offset + _EOCD64.size != locator:
            refuse("zip_layout", "Invalid zip64 end-of-directory locator.")
        fields = _unpack(_EOCD64, data, record_offset, "zip64 end record")
        one_disk = not fields[4] and not fields[5] and fields[6] == fields[7]
        if fields[0] != b"PK\x06\x06" or fields[1] != _EOCD64.size - 12 or not one_disk:
            refuse("zip_layout", "Invalid zip64 end-of-directory record.")
        count, cd_size, cd_offset = fields[7], fields[8], fields[9]
        end = record_offset
    if count > MAX_MEMBERS or count * _CENTRAL.size > cd_size:
        refuse("zip_layout", f"The zip directory declares {count} entries in {cd_size} bytes.")
    if cd_offset + cd_size != end:
        refuse("zip_layout" if cd_offset + cd_size < end else "truncated",
               "The zip directory is not where its end record says.")
    return cd_offset, cd_size, count, end


def _zip64_extra(extra, sizes):
    """Replace the 0xFFFFFFFF fields of ``sizes`` (size, compressed size, offset) from a zip64 extra field."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<2H", extra, pos)
        body = extra[pos + 4 : pos + 4 + length]
        if len(body) != length:
            refuse("zip_layout", "A truncated zip extra field.")
        if tag == 1:
            values = list(sizes)
            k = 0
            for i, v in enumerate(values):
                if v == _FULL32:
                    if k + 8 > length:
                        refuse("zip_layout", "A zip64 extra field is too short.")
                    values[i] = int.from_bytes(body[k : k + 8], "little")
                    k += 8
            return tuple(values)
        pos += 4 + length
    if _FULL32 in sizes:
        refuse("zip_layout", "A zip64 size without its zip64 extra field.")
    return tuple(sizes)


def _central_entries(data, cd_offset, count, cd_end):
    entries, names, pos = [], set(), cd_offset
    for _ in range(count):
        f = _unpack(_CENTRAL, data, pos, "zip directory")
        sig, flags, method, crc, csize, size, n_name, n_extra, n_comment, disk, offset = (
            f[0], f[5], f[6], f[9], f[10], f[11], f[12], f[13], f[14], f[15], f[18])
        if sig != b"PK\x01\x02":
            refuse("zip_layout", "A zip directory entry has a bad signature.")
        name_end = pos + _CENTRAL.size + n_name
        if name_end + n_extra + n_comment > cd_end:
            refuse("zip_layout", "A zip directory entry runs past the directory.")
        raw_name = bytes(data[pos + _CENTRAL.size : name_end])
        extra = bytes(data[name_end : name_end + n_extra])
        pos = name_end + n_extra + n_comment
        if flags & ~_UTF8_FLAG or method != 0 or disk:
            refuse("zip_layout", "A zip member is compressed, encrypted or uses data descriptors; "
                   "sknn files never are.")
        size, csize, offset = _zip64_extra(extra, (size, csize, offset))
        if csize != size:
            refuse("zip_layout", "A zip member's compressed and uncompressed sizes differ (compression ratio != 1).")
        try:
            name = raw_name.decode("utf-8" if flags & _UTF8_FLAG else "ascii")
        except UnicodeDecodeError:
            refuse("zip_layout", "A zip member name is not valid text.")
        if name in names:
            refuse("zip_overlap", f"Duplicate zip member {name!r}.")
        names.add(name)
        entries.append((offset, name, raw_name, flags, crc, size))
    if pos != cd_end:
        refuse("zip_layout", "The zip directory holds bytes after its entries.")
    return entries


def _member_spans(data, entries, cd_offset):
    """Check the local headers; return {name: (start, end, crc)}, with no two entries overlapping."""
    entries = sorted(entries)
    for (offset, name, raw_name, _, _, size), following in zip(entries, entries[1:]):
        if following[0] < offset + _LOCAL.size + len(raw_name) + size:  # before reading any local header
            refuse("zip_overlap", f"Zip members {name!r} and {following[1]!r} overlap.")
    spans, previous_end = {}, 0
    for offset, name, raw_name, flags, crc, size in entries:
        if offset < previous_end:
            refuse("zip_overlap", f"Zip member {name!r} overlaps the previous member.")
        f = _unpack(_LOCAL, data, offset, "zip local header")
        if f[0] != b"PK\x03\x04" or f[3] != flags or f[4] != 0:
            refuse("zip_layout", f"The local header of {name!r} disagrees with the directory.")
        local_sizes = (f[9], f[8])
        if local_sizes != (size, size) and local_sizes != (_FULL32, _FULL32):
            refuse("zip_layout", f"The local header of {name!r} declares another size.")
        start = offset + _LOCAL.size + f[10] + f[11]
        if bytes(data[offset + _LOCAL.size : offset + _LOCAL.size + f[10]]) != raw_name:
            refuse("zip_layout", f"The local header of {name!r} names another member.")
        end = start + size
        if end > cd_offset:
            refuse("truncated", f"Zip member {name!r} runs past the end of the data.")
        spans[name] = (start, end, crc)
        previous_end = end
    return spans


def read_container(file, key=None):
    """Read and verify an archive; returns ``(header_bytes, [array member bytes])``.

    Nothing in the header is looked at before the checksum (or the HMAC, with a
    key) of every member has been verified.
    """
    data = memoryview(_read_bytes(file))
    cd_offset, _, count, cd_end = _end_of_directory(data)
    spans = _member_spans(data, _central_entries(data, cd_offset, count, cd_end), cd_offset)
    n_arrays = len(spans) - 2
    signed = HMAC_NAME in spans
    expected = {HEADER_NAME, HMAC_NAME if signed else SHA_NAME} | {array_name(i) for i in range(max(n_arrays, 0))}
    if set(spans) != expected:
        refuse("not_a_model", "Not an sknn model file (unexpected or missing archive members).")
    members = {}
    for name, (start, end, crc) in spans.items():
        members[name] = data[start:end]
        if zlib.crc32(members[name]) != crc:
            refuse("checksum", f"CRC-32 mismatch in {name!r}: the file is corrupted.")
    arrays = [members[array_name(i)] for i in range(n_arrays)]
    header = members[HEADER_NAME]
    if signed and key is None:
        refuse("key_required", "This file is signed (HMAC-SHA256): load it with its key, sknn.load(path, key=...).")
    if not signed and key is not None:
        refuse("unsigned", "A key was given but this file is not signed, so it cannot be authenticated.")
    stored = bytes(members[HMAC_NAME if signed else SHA_NAME])
    if not hmac.compare_digest(stored, _mac(header, arrays, key)):
        if signed:
            refuse("signature", "HMAC mismatch: the file was modified after signing, or signed with another key.")
        refuse("checksum", "SHA-256 mismatch: the file is corrupted.")
    return bytes(header), arrays, signed

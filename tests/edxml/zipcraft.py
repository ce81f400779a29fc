"""
Build ZIP bombs for the tests without compressing a gigabyte: a raw deflate block of 1 MiB of
zeros, ended by a full flush, decodes the same wherever it is repeated, so N copies inflate to
N MiB. The archive around it is written field by field (PKWARE APPNOTE 4.3.7 / 4.3.12 / 4.3.16).
"""
import struct
import zlib

MiB = 1024 * 1024


def deflated_zeros(mebibytes: int) -> tuple[bytes, int]:
    """(raw deflate stream, CRC-32) of ``mebibytes`` MiB of zero bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = block * mebibytes + compressor.flush(zlib.Z_FINISH)
    crc, zeros = 0, bytes(MiB)
    for _ in range(mebibytes):
        crc = zlib.crc32(zeros, crc)
    return stream, crc


def zip_with_one_member(name: str, compressed: bytes, crc: int, declared_size: int) -> bytes:
    """A one-member deflated ZIP whose headers declare ``declared_size`` (truthfully or not)."""
    encoded = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(compressed), declared_size,
                        len(encoded), 0) + encoded
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(compressed),
                          declared_size, len(encoded), 0, 0, 0, 0, 0, 0) + encoded
    offset = len(local) + len(compressed)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), offset, 0)
    return local + compressed + central + end


def gigabyte_bomb() -> bytes:
    """About 1 MB of ZIP that honestly declares, and inflates to, 1 GiB of zeros."""
    stream, crc = deflated_zeros(1024)
    return zip_with_one_member("zeros.bin", stream, crc, 1024 * MiB)

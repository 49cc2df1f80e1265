"""A tiny writer of OLE compound files (CFB v3), so tests can build .doc/.xls/.msi look-alikes.

Only what a reader needs: one FAT sector, a directory, and every stream padded to 4096 bytes
so none lives in the mini stream. Storages are written for the folders in stream paths.
"""

import struct

SECTOR = 512
END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def compound_file(streams: dict[str, bytes]) -> bytes:
    """Bytes of a compound file holding `streams` ({"Macros/VBA/dir": b"..."})."""
    # Directory nodes: (name, type, data, children)
    root = {"name": "Root Entry", "type": 5, "data": b"", "children": {}}
    for path, data in streams.items():
        node = root
        parts = path.split("/")
        for folder in parts[:-1]:
            node = node["children"].setdefault(folder, {"name": folder, "type": 1, "data": b"", "children": {}})
        node["children"][parts[-1]] = {"name": parts[-1], "type": 2, "data": data.ljust(4096, b"\0"), "children": {}}
    entries = []

    def number(node):
        node["sid"] = len(entries)
        entries.append(node)
        for child in node["children"].values():
            number(child)

    number(root)
    dir_bytes_len = len(entries) * 128
    dir_sectors = -(-dir_bytes_len // SECTOR)
    fat = [FATSECT]
    next_sector = 1
    dir_start = next_sector
    for i in range(dir_sectors):
        fat.append(dir_start + i + 1 if i < dir_sectors - 1 else END)
    next_sector += dir_sectors
    body = b""
    for node in entries:
        if node["type"] != 2:
            node["start"], node["size"] = END, 0
            continue
        count = -(-len(node["data"]) // SECTOR)
        node["start"], node["size"] = next_sector, len(node["data"])
        for i in range(count):
            fat.append(next_sector + i + 1 if i < count - 1 else END)
        body += node["data"].ljust(count * SECTOR, b"\0")
        next_sector += count
    assert len(fat) <= 128, "test file too big for one FAT sector"
    fat_sector = b"".join(struct.pack("<I", v) for v in fat).ljust(SECTOR, b"\xff")

    def entry(node):
        kids = list(node["children"].values())
        name = node["name"].encode("utf-16-le") + b"\0\0"
        child = kids[0]["sid"] if kids else NOSTREAM
        raw = name.ljust(64, b"\0") + struct.pack("<HBB", len(name), node["type"], 1)
        raw += struct.pack("<III", NOSTREAM, node.get("right", NOSTREAM), child)
        raw += b"\0" * 16 + b"\0" * 4 + b"\0" * 16
        raw += struct.pack("<IQ", node["start"], node["size"])
        return raw

    for node in entries:
        kids = list(node["children"].values())
        for left, right in zip(kids, kids[1:]):
            left["right"] = right["sid"]
    directory = b"".join(entry(n) for n in entries).ljust(dir_sectors * SECTOR, b"\0")
    # Unused directory slots must be empty entries with no siblings.
    header = MAGIC + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, dir_start, 0, 4096, END, 0, END, 0)
    header += struct.pack("<I", 0) + b"\xff" * (108 * 4)
    assert len(header) == SECTOR
    return header + fat_sector + directory + body

# Adds an EXIF APP1 segment (Make, Orientation=6, GPS lat/lon) to a JPEG.
# Made tile-exif-gps.jpg from tile.jpg (itself made with `vips`):
#   /usr/bin/python3 tests/data/photos/make_exif.py tile.jpg tile-exif-gps.jpg
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
jpg = open(src, 'rb').read()
assert jpg[:2] == b'\xff\xd8'
# TIFF big-endian: IFD0 with Orientation=6, Make, GPSInfo pointer; GPS IFD with lat/lon.
def ifd(entries, next_off, data_off):
    # entries: list of (tag, type, count, value_bytes)
    out = struct.pack('>H', len(entries)); extra = b''
    for tag, typ, cnt, val in entries:
        if len(val) <= 4:
            out += struct.pack('>HHI', tag, typ, cnt) + val.ljust(4, b'\0')
        else:
            out += struct.pack('>HHII', tag, typ, cnt, data_off + len(extra))
            extra += val + (b'\0' if len(val) % 2 else b'')
    out += struct.pack('>I', next_off)
    return out, extra
make = b'CIVICGRID-GPS-TEST\0'
# layout: header(8) | IFD0 | IFD0 extra | GPS IFD | GPS extra
n0 = 3; ifd0_size = 2 + 12 * n0 + 4
ifd0_off = 8
extra0_off = ifd0_off + ifd0_size
extra0_len = len(make) + (len(make) % 2)
gps_off = extra0_off + extra0_len
ifd0, extra0 = ifd([(0x010f, 2, len(make), make), (0x0112, 3, 1, struct.pack('>H', 6)),
                    (0x8825, 4, 1, struct.pack('>I', gps_off))], 0, extra0_off)
rat = lambda *v: b''.join(struct.pack('>II', a, b) for a, b in v)
ng = 4; gps_size = 2 + 12 * ng + 4
gps, gextra = ifd([(1, 2, 2, b'N\0'), (2, 5, 3, rat((40, 1), (49, 1), (4812, 100))),
                   (3, 2, 2, b'E\0'), (4, 5, 3, rat((111, 1), (38, 1), (2409, 100)))],
                  0, gps_off + gps_size)
tiff = b'MM\0\x2a' + struct.pack('>I', 8) + ifd0 + extra0 + gps + gextra
app1 = b'Exif\0\0' + tiff
seg = b'\xff\xe1' + struct.pack('>H', len(app1) + 2) + app1
open(dst, 'wb').write(jpg[:2] + seg + jpg[2:])

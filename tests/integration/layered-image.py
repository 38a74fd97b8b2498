#!/usr/bin/env python3
"""layered-image.py TAG BASE.tar LAYER... > ARCHIVE: a docker-archive (what
`docker save` writes and `docker load` reads) of one image, TAG, whose first
layer is the first layer of BASE.tar (a `docker save` of one image) and
whose next layers are made from LAYER, each a list of entries separated by
commas: PATH=TEXT (a file), PATH/ (a directory). PATH is relative to the
root; whiteouts are written as the layer format has them: DIR/.wh.NAME
deletes NAME from the layers below, DIR/.wh..wh..opq hides all of DIR
below. Every entry is owned by 0:0 with a fixed mtime, so the same
arguments make the same image ID. The tree tests (tree.sh) make images with
the exact layers they need this way."""
import hashlib
import io
import json
import sys
import tarfile

MTIME = 1700000000


def layer_tar(spec):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in spec.split(","):
            path, _, text = entry.partition("=")
            info = tarfile.TarInfo(path.rstrip("/"))
            info.mtime = MTIME
            if path.endswith("/"):
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                data = text.encode()
                info.mode, info.size = 0o644, len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def main():
    tag, base, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    with tarfile.open(base) as saved:
        manifest = json.load(saved.extractfile("manifest.json"))
        layers = [saved.extractfile(manifest[0]["Layers"][0]).read()]
    layers += [layer_tar(s) for s in specs]
    diff_ids = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Cmd": ["/bin/true"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }, sort_keys=True).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|")

    def add(name, data):
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), MTIME, 0o644
        out.addfile(info, io.BytesIO(data))

    names = []
    for layer, diff_id in zip(layers, diff_ids):
        names.append(diff_id[7:] + "/layer.tar")
        add(names[-1], layer)
    add(config_name, config)
    add("manifest.json", json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": names}]).encode())
    out.close()


main()

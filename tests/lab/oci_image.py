"""Assemble a one-layer OCI image archive from files on this machine, without any registry.

    oci_image.py OUT.tar NAME --entrypoint /pause [--env K=V]... [--user UID:GID] SRC:DEST[:MODE]...

OUT.tar is an OCI image layout in a tar (what `ctr images import` and skopeo's `oci-archive:`
read), its one manifest named NAME (io.containerd.image.name) so containerd imports it under that
reference. The lab's node runs only images made this way: no pull ever leaves the machine.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import tarfile


def layer_tar(files):
    """An uncompressed tar of [(src, dest, mode)] with parent directories, stable bytes."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        made = set()
        for src, dest, mode in files:
            parts = dest.strip("/").split("/")
            for depth in range(1, len(parts)):
                directory = "/".join(parts[:depth])
                if directory not in made:
                    info = tarfile.TarInfo(directory)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
                    made.add(directory)
            with open(src, "rb") as handle:
                data = handle.read()
            info = tarfile.TarInfo("/".join(parts))
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def build(out, name, entrypoint, env, files, user=""):
    blobs = {}

    def blob(data, media_type):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    plain = layer_tar(files)
    layer = blob(gzip.compress(plain, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip")
    image_config = {"Entrypoint": entrypoint, "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"] + env}
    if user:
        image_config["User"] = user
    config = blob(json.dumps({
        "architecture": "amd64", "os": "linux", "config": image_config,
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(plain).hexdigest()]},
    }, sort_keys=True).encode(), "application/vnd.oci.image.config.v1+json")
    manifest = blob(json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config, "layers": [layer],
    }, sort_keys=True).encode(), "application/vnd.oci.image.manifest.v1+json")
    tag = name.rsplit(":", 1)[1] if ":" in name.rsplit("/", 1)[-1] else "latest"
    index = {"schemaVersion": 2, "manifests": [dict(manifest, annotations={
        "io.containerd.image.name": name, "org.opencontainers.image.ref.name": tag})]}
    tmp = out + ".tmp"
    with tarfile.open(tmp, "w") as tar:
        def add(path, data):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        add("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        add("index.json", json.dumps(index).encode())
        for digest, data in sorted(blobs.items()):
            add("blobs/sha256/" + digest.split(":", 1)[1], data)
    os.replace(tmp, out)
    return manifest["digest"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("out")
    parser.add_argument("name")
    parser.add_argument("--entrypoint", required=True, help="the command, space separated")
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--user", default="", help="UID:GID the image runs as (default root)")
    parser.add_argument("files", nargs="+", metavar="SRC:DEST[:MODE]")
    args = parser.parse_args()
    files = []
    for spec in args.files:
        parts = spec.split(":")
        files.append((parts[0], parts[1], int(parts[2], 8) if len(parts) > 2 else 0o755))
    print(build(args.out, args.name, args.entrypoint.split(), args.env, files, args.user))


if __name__ == "__main__":
    main()

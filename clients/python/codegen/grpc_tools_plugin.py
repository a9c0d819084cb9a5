"""A buf `local:` plugin that generates the Python client with grpcio-tools.

grpcio-tools bundles protoc with the `python`, `pyi` and `grpc_python`
generators compiled in, but ships no `protoc-gen-grpc_python` executable that
buf could call. This adapter closes the gap: buf hands it the usual
CodeGeneratorRequest (the files to generate and every file they import, with
comments), it runs

    python -m grpc_tools.protoc --descriptor_set_in=<those files>
        --python_out=D --pyi_out=D --grpc_python_out=D <files to generate>

and answers with every file protoc wrote to D. buf's descriptors spell out
every field's `json_name`; where it is the default one protoc derives from the
field name, it is dropped first, as protoc itself would, so the output is
byte for byte what `python -m grpc_tools.protoc -Iproto ...` makes from the
.proto sources. Run by gen.sh through clients/python/buf.gen.yaml
with the venv's Python (where grpcio-tools is installed).
"""

import os
import sys
import tempfile

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc


def _default_json_name(name: str) -> str:
    """protoc's json_name for a field that sets none: lowerCamelCase of the name."""
    out = []
    upper = False
    for c in name:
        if c == "_":
            upper = True
        elif upper:
            out.append(c.upper())
            upper = False
        else:
            out.append(c)
    return "".join(out)


def _drop_default_json_names(fields, messages) -> None:
    for field in fields:
        if field.json_name == _default_json_name(field.name):
            field.ClearField("json_name")
    for message in messages:
        _drop_default_json_names(list(message.field) + list(message.extension), message.nested_type)


def generate(request: plugin_pb2.CodeGeneratorRequest) -> plugin_pb2.CodeGeneratorResponse:
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    )
    files = descriptor_pb2.FileDescriptorSet(file=request.proto_file)
    for file in files.file:
        _drop_default_json_names(file.extension, file.message_type)
    with tempfile.TemporaryDirectory() as tmp:
        descriptors = os.path.join(tmp, "request.binpb")
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        with open(descriptors, "wb") as f:
            f.write(files.SerializeToString())
        status = protoc.main(
            [
                "grpc_tools.protoc",
                f"--descriptor_set_in={descriptors}",
                f"--python_out={out}",
                f"--pyi_out={out}",
                f"--grpc_python_out={out}",
                *request.file_to_generate,
            ]
        )
        if status != 0:
            response.error = f"grpc_tools.protoc failed with status {status} (its messages are above)"
            return response
        for directory, subdirs, files in os.walk(out):
            subdirs.sort()
            for name in sorted(files):
                path = os.path.join(directory, name)
                with open(path, encoding="utf-8") as f:
                    content = f.read()
                rel = os.path.relpath(path, out).replace(os.sep, "/")
                response.file.add(name=rel, content=content)
    return response


def main() -> None:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    sys.stdout.buffer.write(generate(request).SerializeToString())


if __name__ == "__main__":
    main()

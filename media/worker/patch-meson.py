"""Points mediasoup's worker build at Debian's libraries instead of its meson subprojects.

Run from the worker directory of the mediasoup tarball. Every `subproject()` the worker links
becomes a `dependency()` on the system's pkg-config name; their static libraries leave
`link_whole`; catch2 (tests only) becomes a not-found dependency. Idempotent.
"""
import re
import sys
from pathlib import Path

SYSTEM = {
    'openssl': "dependency('openssl')",
    'libuv': "dependency('libuv')",
    # libsrtp2's headers sit in <includedir>/srtp2; the worker includes <srtp.h>
    'libsrtp3': "declare_dependency(dependencies: dependency('libsrtp2'), "
    "include_directories: include_directories(run_command('pkg-config', '--variable=includedir', "
    "'libsrtp2', check: true).stdout().strip() / 'srtp2'))",
    'usrsctp': "dependency('usrsctp')",
    'abseil-cpp': "declare_dependency(dependencies: [dependency('absl_flat_hash_map'), "
    "dependency('absl_flat_hash_set'), dependency('absl_inlined_vector'), dependency('absl_btree'), "
    "dependency('absl_optional'), dependency('absl_strings')])",
    'flatbuffers': "dependency('flatbuffers')",
    'catch2': "dependency('', required: false)",
}
VARIABLE = re.compile(r"(\w+)_proj\.get_variable\('(\w+)'\)")
SUBPROJECT = re.compile(r"(\w+)_proj = subproject\(\s*'([\w-]+)'.*?\n\)\n", re.S)


def patch(path: Path) -> None:
    text = path.read_text()
    names: dict[str, str] = {}

    def declare(match: re.Match[str]) -> str:
        var, name = match.group(1), match.group(2)
        if name not in SYSTEM:
            return match.group(0)
        names[var] = name
        return f"{var}_system_dep = {SYSTEM[name]}\n"

    text = SUBPROJECT.sub(declare, text)
    # libwebrtc's meson.build uses the worker's openssl/libuv/flatbuffers projects too
    for var in ('openssl', 'libuv', 'flatbuffers', 'abseil_cpp', 'libsrtp3', 'usrsctp', 'catch2'):
        names.setdefault(var, var)

    def variable(match: re.Match[str]) -> str:
        var, value = match.group(1), match.group(2)
        return f"{var}_system_dep" if var in names else match.group(0)

    # static libraries are linked through the dependencies now
    text = re.sub(r"\n\s*\w+_proj\.get_variable\('(?:\w+_lib|libuv|libsrtp3|usrsctp)'\),", "", text)
    text = VARIABLE.sub(variable, text)
    path.write_text(text)


for file in sys.argv[1:]:
    patch(Path(file))

#!/usr/bin/env bash
# Recall and precision of `cargo ffiguard check` on code with known FFI bugs: the last
# vulnerable release of crates with a published advisory (RustSec) or a fixed issue.
#
#   eval/known-bugs.sh [--set 1|2|3|4|5|6|7] [--vendor-only]
#
# The binary measured is $FFIGUARD_BIN when set (build it from `git archive COMMIT`, so the
# figures name a commit and no uncommitted edit of the working tree leaks into them); without
# it, the working tree is built in release mode.
#
# 1. Vendors each exact version into its own scratch project under $FFIGUARD_KNOWNBUGS_DIR
#    (default /tmp/ffiguard-knownbugs for set 1, /tmp/ffiguard-knownbugs-2 for set 2) with
#    `cargo vendor` (network: crates.io). Yanked versions are pinned with
#    `cargo update --precise`, which accepts them.
# 2. Audits each crate with `check --format json` into $FFIGUARD_KNOWNBUGS_DIR/reports/, and, in
#    set 1, the two curses crates as one tree (pancurses calls the declarations of ncurses' `ll`
#    module).
# 3. Prints, per advisory, what ffiguard reports at the advisory's location (file:line of the
#    faulty call or cast), then every error-level finding of every crate, for checking by hand.
#
# Set 1 was measured first, and its misses then led to rule changes. Set 2 is disjoint from it,
# from the tuning corpus and from held-out sets a, b and c, and was recorded before any rule was
# changed for it: it measures the rules as they were after set 1's fixes. Set 3 is disjoint
# from all of them; its bugs come from fixed issues and pull requests of the crates' own
# trackers (and one advisory), each located by reading the released source of the version
# before the fix. It was chosen and vendored before the changes made after set 2, and audited
# only after them. Set 4 is disjoint from sets 1 to 3 and from the tuning corpus: RustSec and
# GitHub advisories of FFI memory-safety bugs (CVE-2025-576xx in ffmpeg-next among them) and
# fixed issues of crates' trackers found by searching them for the bug classes the rules are
# about and for FFI bugs no rule is meant for (iterator invalidation, lifetimes, C++
# exceptions, unaligned reads). Each bug was located by reading the released source of the
# last version before the fix (or of the current release, where the bug is still open). It
# was chosen, vendored and committed before any rule was changed for it. Set 5 is disjoint from
# sets 1 to 4 and from the tuning corpus: RustSec and GitHub advisories and fixed (or still open)
# issues of crates' trackers, searched for each class the rules are about (NULL from C, C
# strings on unterminated buffers, allocator mismatches, panics in callbacks, lossy casts,
# format strings, `Clone` of owners, `&str` as a C string, slices from C, missing `repr(C)`,
# safe functions taking raw pointers) and for FFI bugs no rule is meant for. Each bug was
# located by reading the released source of the last version before the fix (or of the
# current release, where it is still open). It was chosen, vendored and committed before it
# was audited and before any rule was changed for it. Set 6 is disjoint from sets 1 to 5 and
# from the tuning corpus and held-out sets in the bugs it holds (whoami is in set 4 with another
# bug): fixed or still open issues of crates' trackers and RustSec reports, searched for each
# class the rules are about and for FFI bugs no rule is meant for (C keeping a pointer to a
# local, owners without lifetimes, pub raw-pointer fields, thread-unsafe libc, wrong slice
# lengths). Each bug was located by reading the released source of the last version before the
# fix (or of the current release, where it is still open). It was chosen, vendored and
# committed before it was audited. Set 7 is disjoint from sets 1 to 6 in the bugs it holds
# (hostname, sdl2, xcb and pgrx are in earlier known-bug sets with other bugs at other
# versions; cue 3.0.1 is in held-out set s, cue 1.0.0 here): fixed or still open issues of crates' trackers and reports to the advisory database,
# searched for each class the rules are about (NULL from C, unsynchronised Send/Sync, `Clone`
# of owners, panics in callbacks, safe functions taking raw pointers, `bool` across the
# boundary, temporaries whose pointer outlives them, lossy casts, format strings, missing
# `repr(C)`, allocator mismatches) and for FFI bugs no rule is meant for (unchecked pointer
# arithmetic passed to C, a C-owned string given a caller's lifetime, `Box::from_raw` of a
# NULL from C, a NULL flag ignored, `pub` raw-pointer fields). Each bug was located by reading
# the released source of the last version before the fix (or of the current release, where it
# is still open), and the fixed release where there is one. It was chosen, vendored and
# committed before it was audited.
set -euo pipefail
here="$(cd "$(dirname "$0")/../../.." && pwd)"
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
set_name=1
vendor_only=false
while [ $# -gt 0 ]; do
    case "$1" in
        --set) set_name="$2"; shift 2 ;;
        # Fetch the sources now and audit them later, so that a set can be fixed before the
        # rules it is held out for exist.
        --vendor-only) vendor_only=true; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

# advisory | crate | version | file:line[,line] ... of the bug | rule meant to catch it (- : none)
case "$set_name" in
    1)
        eval_dir="${FFIGUARD_KNOWNBUGS_DIR:-/tmp/ffiguard-knownbugs}"
        advisories=(
            "RUSTSEC-2019-0006|ncurses|5.99.0|src/lib.rs:1015,1108,1636|FFI013"
            "RUSTSEC-2019-0005|pancurses|0.16.0|src/window.rs:447,487|FFI013"
            "RUSTSEC-2025-0022|openssl|0.10.71|src/md.rs:112 src/cipher.rs:149|FFI011"
            "RUSTSEC-2024-0357|openssl|0.10.65|src/bio.rs:66|FFI015"
            "RUSTSEC-2023-0044|openssl|0.10.54|src/x509/verify.rs:125|-"
            "RUSTSEC-2018-0010|openssl|0.10.8|src/cms.rs:150|-"
            "RUSTSEC-2020-0100|sys-info|0.7.0|lib.rs:574|-"
            "RUSTSEC-2020-0098|rusb|0.6.5|src/device.rs:34,35 src/device_handle.rs:127,128|FFI007"
            "RUSTSEC-2020-0078|net2|0.2.35|src/socket.rs:90,93|FFI001"
            "RUSTSEC-2020-0079|socket2|0.3.15|src/sockaddr.rs:185,196|FFI001"
            "RUSTSEC-2020-0080|miow|0.3.5|src/net.rs:462,466|FFI001"
            "RUSTSEC-2020-0081|mio|0.7.5|src/sys/unix/net.rs:79,83 src/sys/windows/net.rs:50,54|FFI001"
            "RUSTSEC-2021-0021|nb-connect|1.0.2|src/lib.rs:65,66|FFI001"
            "RUSTSEC-2020-0097|xcb|0.9.0|src/base.rs:134|-"
            "steamworks-rs#9|steamworks|0.5.0|src/callback.rs:131,156|FFI003"
        )
        sys_trees=()
        ;;
    2)
        eval_dir="${FFIGUARD_KNOWNBUGS_DIR:-/tmp/ffiguard-knownbugs-2}"
        advisories=(
            "RUSTSEC-2025-0020|pyo3|0.24.0|src/types/string.rs:222,223|FFI012"
            "RUSTSEC-2025-0020|pyo3|0.12.3|src/types/string.rs:35,36|FFI012"
            "RUSTSEC-2020-0074|pyo3|0.12.3|src/instance.rs:476,477,478|-"
            "RUSTSEC-2021-0119|nix|0.22.1|src/unistd.rs:1545,1560|-"
            "RUSTSEC-2022-0070|secp256k1|0.22.1|src/context.rs:302,304|-"
            "RUSTSEC-2024-0429|glib|0.15.12|src/variant_iter.rs:89,93|-"
            "RUSTSEC-2023-0059|users|0.11.0|src/base.rs:297,301|-"
            "RUSTSEC-2020-0014|rusqlite|0.22.0|src/trace.rs:64|FFI013"
            "RUSTSEC-2020-0014|rusqlite|0.22.0|src/functions.rs:194,199|-"
            "RUSTSEC-2021-0128|rusqlite|0.26.1|src/functions.rs:391|-"
            "RUSTSEC-2019-0038|libpulse-binding|2.4.0|src/stream.rs:1648 src/operation.rs:114|FFI003"
            "RUSTSEC-2020-0055|libpulse-binding|2.4.0|src/proplist.rs:154,376|-"
            "RUSTSEC-2022-0052|os_socketaddr|0.2.1|src/lib.rs:246,247,274,277|FFI001"
            "RUSTSEC-2021-0038|fltk|0.15.1|src/image.rs:544|-"
            "RUSTSEC-2020-0032|alpm-rs|0.1.24|src/macros.rs:21,34|-"
            "RUSTSEC-2022-0046|rocksdb|0.18.0|src/db.rs:658|-"
        )
        # crate | version | its -sys crate: audited together as one tree too, so that the
        # wrapper sees the declarations it calls (as in a workspace).
        sys_trees=(
            "pyo3|0.24.0|pyo3-ffi"
            "rusqlite|0.22.0|libsqlite3-sys"
            "rusqlite|0.26.1|libsqlite3-sys"
            "glib|0.15.12|glib-sys"
            "libpulse-binding|2.4.0|libpulse-sys"
            "fltk|0.15.1|fltk-sys"
            "rocksdb|0.18.0|librocksdb-sys"
            "secp256k1|0.22.1|secp256k1-sys"
        )
        ;;
    3)
        eval_dir="${FFIGUARD_KNOWNBUGS_DIR:-/tmp/ffiguard-knownbugs-3}"
        advisories=(
            "tcod-rs#240|tcod|0.11.0|src/console.rs:956|FFI011"
            "taglib-rust#3|taglib|0.2.0|src/lib.rs:76,88,100,113,125,222,238|FFI011"
            "onnxruntime-rs#49|onnxruntime|0.0.10|src/lib.rs:163|FFI006"
            "gphoto2-rs#4|gphoto2|1.3.1|src/camera.rs:212|FFI006"
            "z3.rs#50|z3|0.3.2|src/ast.rs:311 src/sort.rs:96 src/solver.rs:207 src/optimize.rs:109|FFI005"
            "geos#13|geos|1.0.0|src/ffi.rs:219,390|FFI009"
            "rust-rdkafka#72|rdkafka|0.14.1|src/client.rs:81 src/metadata.rs:103 src/config.rs:83|FFI009"
            "freetype-rs#194|freetype-rs|0.10.0|src/glyph_slot.rs:50 src/bitmap_glyph.rs:9 src/bitmap.rs:57 src/glyph.rs:22 src/face.rs:67|FFI009"
            "a121-rs#84|a121-rs|0.1.3|src/num.rs:17|FFI009"
            "datachannel-rs#45|datachannel|0.16.0|src/datachannel.rs:191|FFI015"
            "napi-rs#310|napi|0.5.1|src/env.rs:37|FFI009"
            "openlimits#204|openlimits|0.3.0|src/bindings/string/mod.rs:57|FFI009"
            "tinyrlibc#36|tinyrlibc|0.5.0|src/ctype.rs:57|FFI009"
            "node-bindgen#232|nj-core|6.1.0|src/basic.rs:310|FFI009"
            "heapsize#9|heapsize|0.2.5|src/lib.rs:37|FFI009"
            "RUSTSEC-2020-0005|cbox|0.3.0|src/lib.rs:33,116|FFI009"
        )
        sys_trees=(
            "freetype-rs|0.10.0|freetype-sys"
            "tcod|0.11.0|tcod-sys"
            "z3|0.3.2|z3-sys"
            "rdkafka|0.14.1|rdkafka-sys"
            "onnxruntime|0.0.10|onnxruntime-sys"
            "gphoto2|1.3.1|libgphoto2_sys"
        )
        ;;
    4)
        eval_dir="${FFIGUARD_KNOWNBUGS_DIR:-/tmp/ffiguard-knownbugs-4}"
        advisories=(
            "CVE-2025-57611|ffmpeg-next|8.0.0|src/filter/graph.rs:88,89|FFI010"
            "CVE-2025-57612|ffmpeg-next|8.0.0|src/util/format/sample.rs:33|FFI010"
            "CVE-2025-57614|ffmpeg-next|8.0.0|src/software/scaling/context.rs:106,107,109,110|FFI002"
            "CVE-2025-57615|ffmpeg-next|8.0.0|src/software/scaling/vector.rs:36|FFI002"
            "CVE-2025-57616|ffmpeg-next|8.0.0|src/codec/packet/packet.rs:242,248|-"
            "RUSTSEC-2019-0022|portaudio-rs|0.3.1|src/stream.rs:112,139,148,154|FFI003"
            "rust-sdl2#1056|sdl2|0.34.3|src/sdl2/sdl.rs:334|FFI013"
            "solder#5|solder|0.1.6|src/zend/methods.rs:12|FFI013"
            "clang-rs#47|clang|2.0.0|src/source.rs:449|FFI015"
            "schannel-rs#81|schannel|0.1.20|src/context_buffer.rs:20|FFI015"
            "spirv-reflect-rs#24|spirv-reflect|0.2.3|src/convert.rs:62,63|FFI015"
            "lcm#27|lcm|0.2.0|src/lcm.rs:209,217|FFI003"
            "openvpn-plugin-rs#5|openvpn-plugin|0.1.0|src/lib.rs:208,213,215,250,256,258,260|FFI003"
            "libseccomp-rs#18|libseccomp|0.1.3|src/lib.rs:414,415|FFI016"
            "notmuch-rs#52|notmuch|0.8.0|src/directory.rs:11,12|FFI016"
            "libdrm-amdgpu-sys-rs#14|libdrm_amdgpu_sys|0.8.16|drm_mode/resource.rs:6,7 drm_mode/connector.rs:6,7 drm_mode/object_property.rs:7,8 drm_mode/property.rs:7,8 drm_mode/property_blob.rs:7,8|FFI016"
            "tract#2135|tract-proxy|0.22.5|src/lib.rs:26,27|FFI016"
            "fasttext-rs#9|fasttext|0.6.0|src/lib.rs:13,14|FFI016"
            "arrow2#882|arrow2|0.9.1|src/ffi/ffi.rs:37,38|FFI016"
            "command-group#19|command-group|5.0.1|src/winres.rs:26,27|FFI016"
            "stronghold.rs#512|stronghold-runtime|2.0.1|src/memories/frag.rs:60,61|FFI016"
            "RUSTSEC-2024-0020|whoami|1.4.1|src/unix.rs:22|ABI007"
            "RUSTSEC-2024-0017|cassandra-cpp|2.0.1|src/cassandra/result.rs:191,208|-"
            "RUSTSEC-2021-0037|diesel|1.4.5|src/sqlite/connection/stmt.rs:63,68 src/sqlite/connection/statement_iterator.rs:54|-"
            "RUSTSEC-2022-0028|neon|0.10.0|src/types/buffer/types.rs:43,151|-"
            "RUSTSEC-2021-0022|yottadb|1.1.0|src/simple_api/mod.rs:1110,1121,1137|-"
            "RUSTSEC-2024-0360|xmp_toolkit|1.8.1|src/xmp_file.rs:174|-"
            "RUSTSEC-2021-0145|atty|0.2.14|src/lib.rs:141|-"
            "RUSTSEC-2020-0159|chrono|0.4.19|src/sys/unix.rs:84|-"
            "GHSA-x43w-ph7m-pfjx|hexchat|0.6.3|src/hook.rs:87,94,96|-"
        )
        sys_trees=(
            "ffmpeg-next|8.0.0|ffmpeg-sys-next"
            "sdl2|0.34.3|sdl2-sys"
            "clang|2.0.0|clang-sys"
            "libseccomp|0.1.3|libseccomp-sys"
            "fasttext|0.6.0|cfasttext-sys"
            "cassandra-cpp|2.0.1|cassandra-cpp-sys"
            "tract-proxy|0.22.5|tract-proxy-sys"
            "portaudio-rs|0.3.1|portaudio-sys"
        )
        ;;
    5)
        eval_dir="${FFIGUARD_KNOWNBUGS_DIR:-/tmp/ffiguard-knownbugs-5}"
        advisories=(
            "rust-secp256k1#228|secp256k1-sys|0.4.0|src/lib.rs:599,603,622,626|FFI003"
            "liblzma-rs#223|liblzma-sys|0.4.7|src/wasm_shim.rs:34,35,86|FFI015"
            "xkbcommon-rs#54|xkbcommon|0.7.0|src/xkb/mod.rs:1305,1306|-"
            "wxDragon#138|wxdragon|0.9.14|src/font.rs:65,66|FFI016"
            "RUSTSEC-2023-0004|bzip2|0.4.3|src/mem.rs:153,155,228,230|FFI002"
            "dbn#67|dbn|0.22.0|src/record/conv.rs:129|FFI005"
            "rust-fitsio#437|fitsio|0.21.10|src/stringutils.rs:8|FFI005"
            "libbayer#1|bayer|0.1.5|src/ffi.rs:82,94,106,118,134,161|FFI009"
            "rust-harfbuzz#273|harfbuzz|0.6.0|src/language.rs:71|FFI010"
            "glfw-rs#402|glfw|0.26.0|src/lib.rs:1245,2162|FFI010"
            "mp4parse_fallible#5|mp4parse_fallible|0.0.3|lib.rs:86,88,97|FFI006"
            "extendr#565|extendr-api|0.4.0|src/lib.rs:557,565|FFI013"
            "extendr#1058|extendr-api|0.9.0|src/thread_safety.rs:56|FFI013"
            "iovec#26|iovec|0.1.3|src/sys/windows.rs:10|ABI008"
            "libpnet#466|pnet_datalink|0.26.0|src/bindings/bpf.rs:94,110|ABI008"
            "rust-riot-wrappers#93|riot-wrappers|0.8.4|src/vfs.rs:62,125|FFI012"
            "grpc-rs#185|grpcio|0.2.3|src/channel.rs:399|FFI002"
            "arrow-adbc#4178|adbc_ffi|0.23.0|src/types.rs:565,571|-"
            "ffi-convert-rs#66|ffi-convert|0.7.0|src/types.rs:70,75,84|-"
            "libbpf-rs#98|libbpf-rs|0.9.3|src/program.rs:239,264,281,282,299|FFI012"
            "RUSTSEC-2025-0032|redox_uefi_std|0.1.13|src/ffi.rs:15,20|FFI009"
            "c2pa-rs#672|c2pa|0.39.0|src/callback_signer.rs:53,55|FFI007"
            "rusty_libimobiledevice#12|rusty_libimobiledevice|0.2.3|src/services/misagent.rs:56|FFI012"
            "special-fun#13|special-fun|0.2.0|src/lib.rs:109,839|ABI003"
            "khronos-egl#27|khronos-egl|6.0.0|src/lib.rs:1043,1044,2554|-"
            "aubio-rs#29|aubio|0.2.1|src/vec.rs:48,171|-"
            "interoptopus#126|interoptopus|0.14.27|src/patterns/string.rs:80|-"
            "RUSTSEC-2023-0024|openssl|0.10.47|src/x509/mod.rs:821,825,846,850|-"
            "widestring-rs#4|widestring|0.2.1|src/widecstring.rs:400,401,402|-"
            "RUSTSEC-2020-0071|time|0.1.45|src/sys.rs:375|-"
        )
        sys_trees=(
            "extendr-api|0.4.0|libR-sys"
            "extendr-api|0.9.0|extendr-ffi"
            "harfbuzz|0.6.0|harfbuzz-sys"
            "bzip2|0.4.3|bzip2-sys"
            "grpcio|0.2.3|grpcio-sys"
            "libbpf-rs|0.9.3|libbpf-sys"
            "riot-wrappers|0.8.4|riot-sys"
        )
        ;;
    6)
        eval_dir="${FFIGUARD_KNOWNBUGS_DIR:-/tmp/ffiguard-knownbugs-6}"
        advisories=(
            "rust-obs-plugins#13|obs-wrapper|0.1.6|src/log.rs:4|FFI013"
            "diffusion-rs#104|diffusion-rs|0.1.19|src/api.rs:331,336|FFI016"
            "jyt#16|jyt|0.1.1|src/c_api.rs:15,16|-"
            "mp4parse-rust#220|mp4parse|0.11.4|src/fallible.rs:95,108,324|FFI006"
            "dwrote#72|dwrote|0.11.5|src/font_fallback.rs:72|FFI011"
            "x-win#47|x-win|3.0.0|src/win32/api.rs:434,438|FFI011"
            "juice#212|rcublas|0.6.0|src/api/context.rs:5,7|FFI016"
            "rumble#1|rumble|0.0.1|src/adapter/mod.rs:58,59|ABI008"
            "winrt-rust#57|winrt|0.5.0|src/bstr.rs:63|FFI015"
            "cef-rs#174|cef|139.0.0|src/string.rs:383,391,552,710|FFI015"
            "rsasl#2|rsasl|1.0.1|src/error.rs:42,43|FFI010"
            "fontconfig-rs#9|fontconfig|0.3.0|src/lib.rs:182,184|FFI009"
            "janus-plugin-rs#30|janus-plugin|0.13.0|src/sdp.rs:135,249,272|-"
            "libipt-rs#9|libipt|0.2.1-beta.1|src/config/config.rs:230|-"
            "winit#2746|winit|0.28.7|src/platform/x11.rs:183,186|FFI009"
            "libmodbus-rs#14|libmodbus-rs|0.8.3|src/modbus_mapping.rs:10,167|-"
            "hugepage-rs#5|hugepage-rs|0.1.0|src/lib.rs:68,69|FFI009"
            "metacall#809|metacall|0.5.10|src/types/metacall_exception.rs:51,52,53,61|-"
            "capsule#76|capsule|0.1.3|src/dpdk/mbuf.rs:415,416,417|FFI016"
            "libudev-rs#21|libudev|0.2.0|src/device.rs:70,80,130|FFI010"
            "rust-weechat#1|weechat|0.1.0|src/buffer.rs:223,224|FFI010"
            "ntru-rs#8|ntru|0.5.6|src/types.rs:705,706,750,751|-"
            "smithay#680|smithay|0.3.0|src/wayland/shm/pool.rs:148|FFI015"
            "whoami#250|whoami|2.1.3|src/os/unix.rs:231,235|FFI005"
            "hostname#6|hostname|0.1.5|src/lib.rs:42,46|FFI005"
            "libdrmtap#63|libdrmtap|0.5.10|src/lib.rs:436,589,594,688|-"
            "ohos-native-bindings#139|ohos-ime-binding|0.2.1|src/attach.rs:30,32|FFI016"
            "varnish-rs#20|varnish|0.0.16|src/vcl/processor.rs:240|-"
            "gettext-rs#64|gettext-rs|0.7.7|src/lib.rs:430,433|-"
            "mpv-client#5|mpv-client|0.6.1|src/format.rs:16,18,40,41,58,59,75,76|FFI009"
            "pgrx#1190|pgrx|0.9.7|src/fcinfo.rs:288,289|-"
        )
        sys_trees=(
            "obs-wrapper|0.1.6|obs-sys"
            "diffusion-rs|0.1.19|diffusion-rs-sys"
            "rcublas|0.6.0|rcublas-sys"
            "cef|139.0.0|cef-dll-sys"
            "rsasl|1.0.1|gsasl-sys"
            "fontconfig|0.3.0|yeslogic-fontconfig-sys"
            "janus-plugin|0.13.0|janus-plugin-sys"
            "libipt|0.2.1-beta.1|libipt-sys"
            "libmodbus-rs|0.8.3|libmodbus-sys"
            "capsule|0.1.3|capsule-ffi"
            "libudev|0.2.0|libudev-sys"
            "weechat|0.1.0|weechat-sys"
            "libdrmtap|0.5.10|libdrmtap-sys"
            "ohos-ime-binding|0.2.1|ohos-input-method-sys"
            "varnish|0.0.16|varnish-sys"
            "gettext-rs|0.7.7|gettext-sys"
        )
        ;;
    7)
        eval_dir="${FFIGUARD_KNOWNBUGS_DIR:-/tmp/ffiguard-knownbugs-7}"
        advisories=(
            "xkbcommon-rs#74|xkbcommon|0.9.0|src/xkb/mod.rs:779,1223|FFI010"
            "rust-systemd#350|systemd|0.10.1|src/bus/mod.rs:1524|FFI010"
            "rexiv2#27|rexiv2|0.5.0|src/lib.rs:549,551,552|FFI010"
            "pdfium-render#262|pdfium-render|0.9.3|src/pdfium.rs:585,588|FFI007"
            "ffmpeg-the-third#124|ffmpeg-the-third|4.0.1+ffmpeg-8.0|src/codec/context.rs:20 src/format/context/common.rs:16|FFI007"
            "vk-mem-rs#18|vk-mem|0.1.8|src/lib.rs:16,17|FFI016"
            "ndk#268|ndk|0.6.0|src/aaudio.rs:550,562,635,647|FFI003"
            "napi-rs#3473|napi|3.12.2|src/env.rs:1641,1692,1706,1748,1762,1795|FFI003"
            "netwatcher#12|netwatcher|0.7.1|src/watch_win.rs:195,204,206,214,223,225 src/watch_android.rs:291,301,310|FFI003"
            "rust-sdl2#1072|sdl2|0.38.0|src/sdl2/audio.rs:595,610|FFI003"
            "gtk-rs-core#74|cairo-rs|0.22.9|src/user_data.rs:52,55|FFI003"
            "advisory-db#3241|stack-graphs|0.14.1|src/c.rs:54,55,501,502,606,611,612|FFI009"
            "blst#189|blst|0.3.11|src/bindings.rs:223,226|FFI018"
            "ruru#4|ruru|0.5.2|src/util.rs:10|FFI011"
            "ruru-0.5.4|ruru|0.5.2|src/util.rs:40,45|FFI011"
            "wasapi-rs#59|wasapi|0.23.0|src/api.rs:370,1903|FFI011"
            "hostname#14|hostname|0.3.1|src/nix.rs:17,22,61,66|FFI002"
            "mosquitto_plugin#22|mosquitto-plugin|2.1.1|src/mosquitto_calls.rs:128|FFI013"
            "clap#550|clap|2.7.1|src/term.rs:23,55|FFI001"
            "libcue.rs#6|cue|1.0.0|src/track/mod.rs:59,141 src/cd/mod.rs:115 src/rem/mod.rs:41 src/cd_text/mod.rs:37|FFI006"
            "memmap2-rs#169|memmap2|0.9.10|src/unix.rs:362,375|-"
            "merve#16|merve|1.0.1|src/lib.rs:155,160,183,188|-"
            "quiche#2470|quiche|0.28.0|src/ffi.rs:450,451,1635,1636|-"
            "pgrx#1852|pgrx|0.12.3|src/datum/from.rs:402,404,407|-"
            "pulse-binding-rust#42|libpulse-binding|2.24.0|src/mainloop/api.rs:67,100|-"
            "RUSTSEC-2021-0019|xcb|0.10.1|src/base.rs:124,145|-"
        )
        sys_trees=(
            "ffmpeg-the-third|4.0.1+ffmpeg-8.0|ffmpeg-sys-the-third"
            "sdl2|0.38.0|sdl2-sys"
            "cairo-rs|0.22.9|cairo-sys-rs"
            "systemd|0.10.1|libsystemd-sys"
            "rexiv2|0.5.0|gexiv2-sys"
            "cue|1.0.0|cue-sys"
            "ndk|0.6.0|ndk-sys"
            "napi|3.12.2|napi-sys"
            "libpulse-binding|2.24.0|libpulse-sys"
        )
        ;;
    *) echo "unknown set $set_name (1 to 7)" >&2; exit 2 ;;
esac

mkdir -p "$eval_dir/reports"
vendor_one() {
    local crate="$1" version="$2" dir="$eval_dir/p-$1-$2"
    [ -d "$dir/vendor/$crate" ] && return 0
    mkdir -p "$dir/src"
    echo "fn main() {}" > "$dir/src/main.rs"
    manifest() {
        printf '[package]\nname = "kb"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
        printf '[dependencies]\n%s = "%s"\n\n[workspace]\n' "$crate" "$1"
    }
    (
        cd "$dir"
        manifest "=$version" > Cargo.toml
        if ! cargo generate-lockfile -q 2> /dev/null; then
            # A yanked version: resolve its minor series, then pin it with `--precise`, which
            # accepts yanked versions (net2, socket2, mio, miow and nb-connect were yanked).
            manifest "$(echo "$version" | cut -d. -f1-2)" > Cargo.toml
            cargo generate-lockfile -q
            cargo update -q -p "$crate" --precise "$version"
        fi
        cargo vendor -q vendor > /dev/null
    )
}
for a in "${advisories[@]}"; do
    IFS='|' read -r _ crate version _ _ <<< "$a"
    vendor_one "$crate" "$version"
done
"$vendor_only" && exit 0

bin="$(ffiguard_binary "$here")"
for a in "${advisories[@]}"; do
    IFS='|' read -r _ crate version _ _ <<< "$a"
    "$bin" check "$eval_dir/p-$crate-$version/vendor/$crate" --format json --threads 2 \
        > "$eval_dir/reports/$crate-$version.json" || true
done
if [ "$set_name" = 1 ]; then
    rm -rf "$eval_dir/curses-tree" && mkdir -p "$eval_dir/curses-tree"
    ln -s "$eval_dir/p-ncurses-5.99.0/vendor/ncurses" "$eval_dir/curses-tree/ncurses"
    ln -s "$eval_dir/p-pancurses-0.16.0/vendor/pancurses" "$eval_dir/curses-tree/pancurses"
    "$bin" check "$eval_dir/curses-tree" --format json --threads 2 \
        > "$eval_dir/reports/curses-tree.json" || true
fi
for t in "${sys_trees[@]+"${sys_trees[@]}"}"; do
    IFS='|' read -r crate version sys <<< "$t"
    tree="$eval_dir/tree-$crate-$version"
    rm -rf "$tree" && mkdir -p "$tree"
    ln -s "$eval_dir/p-$crate-$version/vendor/$crate" "$tree/$crate"
    ln -s "$eval_dir/p-$crate-$version/vendor/$sys" "$tree/$sys"
    "$bin" check "$tree" --format json --threads 2 \
        > "$eval_dir/reports/$crate-$version-tree.json" || true
done

python3 - "$eval_dir" "${advisories[@]}" <<'PY'
import json, os, sys

eval_dir, advisories = sys.argv[1], [a.split("|") for a in sys.argv[2:]]
def report(name):
    return json.load(open(os.path.join(eval_dir, "reports", name + ".json")))
def short(f):
    return f"{f['rule']} {f['level']} {f['location']['file']}:{f['location']['line']}"

print("## Per crate (`cargo ffiguard check`, default levels)\n")
print("| crate | version | files | lines | errors | warnings | infos |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
seen = set()
for _, crate, version, _, _ in advisories:
    if (crate, version) in seen:
        continue
    seen.add((crate, version))
    s = report(f"{crate}-{version}")["summary"]
    print(f"| {crate} | {version} | {s['files']} | {s['lines']} | {s['errors']} "
          f"| {s['warnings']} | {s['infos']} |")

print("\n## At each advisory's location (FFI017 left out)\n")
print("| advisory | crate | rule meant | caught | findings at the location |")
print("| --- | --- | --- | --- | --- |")
tree_json = os.path.join(eval_dir, "reports", "curses-tree.json")
tree = report("curses-tree")["findings"] if os.path.exists(tree_json) else None
for adv, crate, version, where, meant in advisories:
    wanted = set()
    for spot in where.split():
        file, lines = spot.split(":")
        wanted |= {(file, int(n)) for n in lines.split(",")}
    def at(findings, prefix=""):
        return [f for f in findings if f["rule"] != "FFI017"
                and (f["location"]["file"].removeprefix(prefix), f["location"]["line"]) in wanted]
    hits = at(report(f"{crate}-{version}")["findings"])
    if tree is not None and crate in ("ncurses", "pancurses"):
        hits += [dict(f, rule=f["rule"] + " (tree)") for f in at(tree, crate + "/")]
    sys_tree = os.path.join(eval_dir, "reports", f"{crate}-{version}-tree.json")
    if os.path.exists(sys_tree):
        hits += [dict(f, rule=f["rule"] + " (tree)")
                 for f in at(json.load(open(sys_tree))["findings"], crate + "/")]
    caught = "-" if meant == "-" else ("yes" if any(f["rule"].startswith(meant) for f in hits)
                                       else "no")
    shown = "; ".join(short(f) for f in hits) or "none"
    print(f"| {adv} | {crate} {version} | {meant} | {caught} | {shown} |")

print("\n## Every error-level finding, per-crate runs\n")
for crate, version in sorted({(a[1], a[2]) for a in advisories}):
    for f in report(f"{crate}-{version}")["findings"]:
        if f["level"] == "error":
            print(f"- {crate} {version}: {short(f)}: {f['message'].splitlines()[0]}")
for crate, version in sorted({(a[1], a[2]) for a in advisories}):
    sys_tree = os.path.join(eval_dir, "reports", f"{crate}-{version}-tree.json")
    if not os.path.exists(sys_tree):
        continue
    r = json.load(open(sys_tree))
    print(f"\n## Every error-level finding, {crate} {version} with its -sys crate as one tree "
          f"({r['summary']['lines']} lines)\n")
    for f in r["findings"]:
        if f["level"] == "error":
            print(f"- {short(f)}: {f['message'].splitlines()[0]}")
if tree is not None:
    print("\n## Every error-level finding, curses tree\n")
    for f in tree:
        if f["level"] == "error":
            print(f"- {short(f)}: {f['message'].splitlines()[0]}")
PY

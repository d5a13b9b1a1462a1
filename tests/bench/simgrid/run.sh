#!/bin/sh
# run.sh: the same ring all-reduce in Usine and in SimGrid's SMPI, on equivalent platforms.
# An optional benchmark, not part of `make test` or CI. See README.md in this folder.
#
# Usage: tests/bench/simgrid/run.sh [-b BYTES] [-c K] [-T TOPO] [-o ORDER] [-l LATENCY_US] [-t TIMEOUT_S] [-k] [P ...]
#   -b BYTES       all-reduce size (default 1073741824 = 1 GiB); a multiple of 4 x P
#   -c K           K rings at once, each over P nodes, sharing every node's one NIC (default 1)
#   -T TOPO        switch (default: one non-blocking switch), tree:R (leaves of 8 nodes, uplinks
#                  oversubscribed R:1, R = 1, 2, 4 or 8), tree0:R (the same with 1e-6 us on the
#                  uplinks: every route has the NIC's latency) or dragonfly:G (G groups, 2 global
#                  links between each pair, minimal routing)
#   -o ORDER       ring order: contiguous (default on a switch), striped (consecutive ranks in
#                  different leaves or groups: the default otherwise) or mixed (even rings striped,
#                  odd rings contiguous; needs -c 2 or more)
#   -l LATENCY_US  end-to-end latency of one message, both simulators (default 1)
#   -t TIMEOUT_S   give up on one SMPI run after this many seconds (default 900)
#   -k             keep the temporary directory (platforms, hostfiles, logs) and print its path
#   P ...          numbers of GPUs / MPI ranks (default: 16 64 256)
# Environment: USINE (default: build/usine of this checkout); SMPI_CFG, more --cfg options for smpirun.
# Exit status: 0 done, 1 a run failed, 2 missing tool or bad arguments.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
usine=${USINE:-$root/build/usine}

bytes=1073741824
lat_us=1
timeout_s=900
reps=5
keep=0
rings=1
topo=switch
order=
while getopts b:c:T:o:l:t:kh opt; do
    case $opt in
    b) bytes=$OPTARG ;;
    c) rings=$OPTARG ;;
    T) topo=$OPTARG ;;
    o) order=$OPTARG ;;
    l) lat_us=$OPTARG ;;
    t) timeout_s=$OPTARG ;;
    k) keep=1 ;;
    h) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
case $bytes in '' | *[!0-9]* | 0) echo "run.sh: -b wants a positive number of bytes (got '$bytes')" >&2; exit 2 ;; esac
case $timeout_s in '' | *[!0-9]*) echo "run.sh: -t wants whole seconds (got '$timeout_s')" >&2; exit 2 ;; esac
case $rings in '' | *[!0-9]* | 0) echo "run.sh: -c wants a positive number of rings (got '$rings')" >&2; exit 2 ;; esac
awk -v l="$lat_us" 'BEGIN { exit !(l ~ /^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/) }' ||
    { echo "run.sh: -l wants a latency in microseconds (got '$lat_us')" >&2; exit 2; }
# the fabric: D domains (leaves or groups) of P / D nodes each, or none (D = 1)
case $topo in
switch) kind=switch arg=0 ;;
tree:1 | tree:2 | tree:4 | tree:8) kind=tree arg=${topo#tree:} uplat=$lat_us ;;
tree0:1 | tree0:2 | tree0:4 | tree0:8) kind=tree arg=${topo#tree0:} uplat=0.000001 ;;
dragonfly:*)
    kind=dragonfly arg=${topo#dragonfly:}
    case $arg in '' | *[!0-9]* | 0 | 1) echo "run.sh: -T dragonfly:G wants G >= 2 groups (got '$topo')" >&2; exit 2 ;; esac ;;
*) echo "run.sh: -T wants switch, tree:R or tree0:R (R = 1, 2, 4 or 8) or dragonfly:G (got '$topo')" >&2; exit 2 ;;
esac
[ -n "$order" ] || { if [ $kind = switch ]; then order=contiguous; else order=striped; fi; }
case $order in
contiguous | striped) ;;
mixed) [ "$rings" -ge 2 ] || { echo "run.sh: -o mixed needs -c 2 or more (an even and an odd ring)" >&2; exit 2; } ;;
*) echo "run.sh: -o wants contiguous, striped or mixed (got '$order')" >&2; exit 2 ;;
esac
[ $kind != switch ] || [ $order = contiguous ] || { echo "run.sh: on one switch every order is the same; -o needs -T tree or dragonfly" >&2; exit 2; }
[ $# -gt 0 ] || set -- 16 64 256

missing=0
for tool in smpicc smpirun; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "run.sh: '$tool' not found: SimGrid's SMPI is missing." >&2
        missing=1
    fi
done
if [ $missing = 1 ]; then
    echo "run.sh: install it (Debian/Ubuntu, as root): apt-get install libsimgrid-dev   (tested with 3.32)" >&2
    exit 2
fi
if [ ! -x "$usine" ]; then
    echo "run.sh: $usine not found; build Usine first: make -C $root" >&2
    exit 2
fi
command -v timeout >/dev/null 2>&1 || { echo "run.sh: 'timeout' (coreutils) not found" >&2; exit 2; }
for p in "$@"; do
    case $p in '' | *[!0-9]*) echo "run.sh: '$p' is not a number of GPUs" >&2; exit 2 ;; esac
    [ "$p" -ge 2 ] || { echo "run.sh: P must be at least 2 (got $p)" >&2; exit 2; }
    if [ $kind = tree ] && { [ $((p % 8)) -ne 0 ] || [ "$p" -lt 16 ]; }; then
        echo "run.sh: -T $topo wants P a multiple of 8, at least 16: whole leaves of 8 nodes, two or more (got $p)" >&2
        exit 2
    fi
    if [ $kind = dragonfly ] && { [ $((p % arg)) -ne 0 ] || [ "$p" -lt $((2 * arg)) ]; }; then
        echo "run.sh: -T $topo wants P a multiple of $arg, at least $((2 * arg)): whole groups of 2 nodes or more (got $p)" >&2
        exit 2
    fi
    if [ $((bytes % (4 * p))) -ne 0 ]; then
        echo "run.sh: $bytes bytes is not a multiple of 4 x $p (floats split evenly over the ring)" >&2
        exit 2
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/usine-simgrid.XXXXXX")
# shellcheck disable=SC2317 # called from the trap
cleanup() { if [ "$keep" = 1 ]; then echo "kept: $tmp" >&2; else rm -rf "$tmp"; fi; }
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

now() { date +%s.%N; }
# json_num FILE KEY: a number from Usine's --json output (one "key": value per line)
json_num() { sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\\([-+0-9.eE]*\\).*/\\1/p" "$1" | head -n 1; }

# The MPI program. -O2: SMPI runs it for real (the reductions inside MPI_Allreduce included).
smpicc -O2 -o "$tmp/allreduce" "$here/allreduce.c" >"$tmp/smpicc.log" 2>&1 || {
    cat "$tmp/smpicc.log" >&2
    echo "run.sh: smpicc failed" >&2
    exit 1
}

# SimGrid: each private link carries half the end-to-end latency (up + down), the backbone none.
half_lat_us=$(awk -v l="$lat_us" 'BEGIN { printf "%.9g", l / 2 }')

# Switch off every correction that Usine does not model; see README.md for each flag.
smpi_cfg="--cfg=network/model:CM02 --cfg=network/crosstraffic:0 \
--cfg=network/latency-factor:1 --cfg=network/bandwidth-factor:1 --cfg=network/weight-S:0 \
--cfg=network/TCP-gamma:0 --cfg=smpi/bw-factor:0:1 --cfg=smpi/lat-factor:0:1 \
--cfg=smpi/host-speed:1Gf --cfg=smpi/simulate-computation:0 --cfg=smpi/wtime:0 \
--cfg=smpi/allreduce:lr --cfg=smpi/shared-malloc:local --cfg=smpi/display-timing:1 ${SMPI_CFG:-}"

status=0
[ "$rings" = 1 ] || echo "$rings rings at once, each over P nodes; a node's $rings GPUs share its one NIC"
[ $kind = switch ] || echo "$topo, $order ring order"
printf '%6s %12s %14s %14s %10s %8s %8s %12s %12s %10s %12s %12s\n' P bytes usine_time_s smpi_time_s time_ratio \
    diff_ns env_ns usine_wall_s smpi_wall_s wall_ratio usine_proc_s smpi_proc_s
for p in "$@"; do
    # D domains of P / D nodes: the leaves of 8 nodes, the groups, or one (a switch)
    case $kind in switch) D=1 ;; tree) D=$((p / 8)) ;; dragonfly) D=$arg ;; esac
    # Which node holds member i of ring k (lines "k i node"): contiguous i, or striped i % D
    # x (P / D) + i / D, so that consecutive members sit in different domains.
    awk -v P="$p" -v K="$rings" -v D="$D" -v order="$order" 'BEGIN {
        for (k = 0; k < K; k++)
            for (i = 0; i < P; i++) {
                striped = order == "striped" || (order == "mixed" && k % 2 == 0)
                print k, i, striped ? (i % D) * (P / D) + int(i / D) : i
            }
    }' >"$tmp/members-$p"

    # --- Usine: P nodes of K GPUs, one 400 Gb/s NIC each, on one switch, a tree or a dragonfly ---
    links=
    case $kind in
    switch) fabric="topology=\"switch\"" what="one non-blocking switch" ;;
    tree)
        if [ "$uplat" != "$lat_us" ]; then
            # tree0: the same leaves as an explicit network, one spine, uplinks of (almost) no latency
            fabric="topology=\"explicit\" link_gbit_s=\"400\""
            links=$(awk -v D="$D" -v R="$arg" -v ul="$uplat" 'BEGIN {
                print "    <switch id=\"spine\"/>"
                for (d = 0; d < D; d++) {
                    print "    <switch id=\"leaf" d "\"/>"
                    print "    <link from=\"leaf" d "\" partition=\"p\" first=\"" 8 * d "\" count=\"8\"/>"
                    print "    <link from=\"leaf" d "\" to=\"spine\" parallel=\"" 8 / R "\" latency_us=\"" ul "\"/>"
                } }')
            what="leaves of 8 nodes with $((8 / arg)) uplinks ($arg:1) to one spine, uplinks of 1e-6 us"
        else
        # leaves of radix 8 + 8 / R with 8 node ports: down = floor(radix R / (1 + R)) = 8
        fabric="topology=\"fat-tree\" routing=\"spray\" levels=\"2\" radix=\"$((8 + 8 / arg))\" oversubscription=\"$arg\" link_gbit_s=\"400\""
        what="a two-level fat tree, leaves of 8 nodes with $((8 / arg)) uplinks ($arg:1), uplinks sprayed as one bundle"
        fi ;;
    dragonfly)
        fabric="topology=\"dragonfly\" routing=\"minimal\" group_nodes=\"$((p / arg))\" group_switches=\"1\" global_links=\"$((2 * (arg - 1)))\" link_gbit_s=\"400\""
        what="a dragonfly of $arg groups of $((p / arg)) nodes, 2 global links of 400 Gb/s between each pair, minimal routing" ;;
    esac
    ux="$tmp/usine-$p.xml"
    cat >"$ux" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<platform version="1" id="simgrid-bench-$p" name="SimGrid comparison, $p nodes">
  <description lang="en">Generated by tests/bench/simgrid/run.sh: $p nodes of $rings GPUs, one 400 Gb/s NIC each, $what.</description>
  <assumption lang="en">A synthetic platform for comparing simulators: the GPU and CPU figures play no part in a collective.</assumption>
  <accelerator id="gpu" name="Benchmark GPU" memory_gb="80" memory_tbs="3" tdp_w="700">
    <peak precision="bf16" tflops="1000"/>
  </accelerator>
  <node id="n1" accelerator="gpu" accelerators="$rings">
    <cpu model="none" count="1" cores="1" tdp_w="0"/>
    <scaleup kind="nvlink" bidir_gbs="100000" latency_us="0"/>
    <nic count="1" gbit_s="400"/>
  </node>
  <network id="net" $fabric hop_latency_us="$lat_us" efficiency="1">
$links
  </network>
  <partition id="p" node="n1" nodes="$p" network="net"/>
  <facility pue="1" carbon_g_per_kwh="0"/>
</platform>
EOF
    "$usine" platform check "$ux" >"$tmp/usine-check-$p.log" 2>&1 || {
        cat "$tmp/usine-check-$p.log" >&2
        echo "run.sh: the generated Usine platform is invalid" >&2
        exit 1
    }
    # ring k: GPU k of its members' nodes, in ring order
    awk -v K="$rings" -v S="$bytes" '{ g = $3 * K + $1; list[$1] = ($2 ? list[$1] "," : "") g }
        END { for (k = 0; k < K; k++) print "allreduce ring " S " " list[k] }' "$tmp/members-$p" >"$tmp/rings-$p.txt"
    # Usine takes milliseconds: run it $reps times and keep the median wall times.
    : >"$tmp/usine-$p.walls"
    : >"$tmp/usine-$p.procs"
    r=0
    while [ $r -lt $reps ]; do
        t0=$(now)
        if [ "$rings" = 1 ] && [ $order = contiguous ]; then
            set -- --op allreduce --algo ring --bytes "$bytes" --gpus "$p"
        else
            set -- --scenario "$tmp/rings-$p.txt"
        fi
        if ! "$usine" simulate collective --platform "$ux" "$@" --json >"$tmp/usine-$p.json" 2>"$tmp/usine-$p.err"; then
            cat "$tmp/usine-$p.err" >&2
            exit 1
        fi
        t1=$(now)
        json_num "$tmp/usine-$p.json" wall_s >>"$tmp/usine-$p.walls"
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' >>"$tmp/usine-$p.procs"
        r=$((r + 1))
    done
    if [ "$1" = --op ]; then u_time=$(json_num "$tmp/usine-$p.json" time_s); else u_time=$(json_num "$tmp/usine-$p.json" makespan_s); fi
    u_wall=$(sort -g "$tmp/usine-$p.walls" | sed -n "$(((reps + 1) / 2))p")
    u_proc=$(sort -g "$tmp/usine-$p.procs" | sed -n "$(((reps + 1) / 2))p")

    # --- SimGrid ---
    sx="$tmp/simgrid-$p.xml"
    if [ $kind = switch ]; then
        # P hosts on a cluster, private 50 GBps links, a backbone that never binds
        cat >"$sx" <<EOF
<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <cluster id="c" prefix="h" suffix="" radical="0-$((p - 1))" speed="1Gf"
           bw="50GBps" lat="${half_lat_us}us" sharing_policy="SPLITDUPLEX"
           bb_bw="1PBps" bb_lat="0us" bb_sharing_policy="FATPIPE"
           loopback_bw="1PBps" loopback_lat="0us"/>
</platform>
EOF
    else
        # Every link of Usine's network as a SimGrid link, one per direction, with Usine's
        # latencies (the NIC's hop up, none down; a leaf's uplink bundle a hop each way, a
        # global bundle a hop), and every route written out (Full routing) as Usine's
        # net_route takes it: NIC up, [leaf up, leaf down | the direct global bundle], NIC down.
        awk -v P="$p" -v D="$D" -v kind="$kind" -v R="$arg" -v L="$lat_us" -v UL="${uplat:-0}" 'BEGIN {
            n = P / D
            print "<?xml version=\"1.0\"?>"
            print "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">"
            print "<platform version=\"4.1\">"
            print "  <zone id=\"z\" routing=\"Full\">"
            for (h = 0; h < P; h++) print "    <host id=\"h" h "\" speed=\"1Gf\"/>"
            for (h = 0; h < P; h++) {
                printf "    <link id=\"up%d\" bandwidth=\"50GBps\" latency=\"%sus\"/>\n", h, L
                printf "    <link id=\"dn%d\" bandwidth=\"50GBps\" latency=\"0us\"/>\n", h
            }
            if (kind == "tree")
                for (d = 0; d < D; d++) {
                    printf "    <link id=\"lu%d\" bandwidth=\"%dGBps\" latency=\"%sus\"/>\n", d, 8 / R * 50, UL
                    printf "    <link id=\"ld%d\" bandwidth=\"%dGBps\" latency=\"%sus\"/>\n", d, 8 / R * 50, UL
                }
            else
                for (a = 0; a < D; a++)
                    for (b = 0; b < D; b++)
                        if (a != b) printf "    <link id=\"g%d_%d\" bandwidth=\"100GBps\" latency=\"%sus\"/>\n", a, b, L
            print "    <link id=\"loop\" bandwidth=\"1PBps\" latency=\"0us\" sharing_policy=\"FATPIPE\"/>"
            for (a = 0; a < P; a++)
                for (b = 0; b < P; b++) {
                    printf "    <route src=\"h%d\" dst=\"h%d\" symmetrical=\"NO\">", a, b
                    da = int(a / n); db = int(b / n)
                    if (a == b) printf "<link_ctn id=\"loop\"/>"
                    else {
                        printf "<link_ctn id=\"up%d\"/>", a
                        if (da != db && kind == "tree") printf "<link_ctn id=\"lu%d\"/><link_ctn id=\"ld%d\"/>", da, db
                        if (da != db && kind != "tree") printf "<link_ctn id=\"g%d_%d\"/>", da, db
                        printf "<link_ctn id=\"dn%d\"/>", b
                    }
                    print "</route>"
                }
            print "  </zone>"
            print "</platform>"
        }' >"$sx"
    fi
    # rank i x K + k is member i of ring k (allreduce.c splits by rank % K, ordered by rank / K)
    hf="$tmp/hosts-$p"
    sort -k2,2n -k1,1n "$tmp/members-$p" | awk '{ print "h" $3 }' >"$hf"
    log="$tmp/smpi-$p.log"
    t0=$(now)
    # Run from the temporary directory with TMPDIR there: smpirun and SMPI write their temporary
    # files (one copy of the program per rank, for privatization) there. (smpirun's own -tmpdir
    # option is broken in 3.32: it shifts one word instead of two.) --foreground keeps SMPI in the
    # terminal's process group, so that Ctrl-C stops it; smpirun kills its child on the signal.
    rc=0
    # shellcheck disable=SC2086 # smpi_cfg is a list of words
    (cd "$tmp" && TMPDIR="$tmp" exec timeout --foreground "$timeout_s" smpirun -np "$((rings * p))" -platform "$sx" \
        -hostfile "$hf" "$tmp/allreduce" "$bytes" "$rings" $smpi_cfg) >"$log" 2>&1 || rc=$?
    if [ $rc -ne 0 ]; then
        t1=$(now)
        s_proc=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
        if [ $rc -eq 124 ]; then why="stopped after the $timeout_s s limit (-t)"; else why="failed (status $rc) after $s_proc s"; fi
        printf '%6s %12s %14.9f   SMPI %s; last lines of its log:\n' "$p" "$bytes" "$u_time" "$why"
        tail -n 5 "$log" | sed 's/^/      /'
        status=1
        continue
    fi
    t1=$(now)
    s_time=$(sed -n 's/^bytes=.* time_s=\([-+0-9.eE]*\).*/\1/p' "$log")
    s_wall=$(sed -n 's/^The simulation took \([0-9.eE+-]*\) seconds.*/\1/p' "$log")
    s_proc=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    if [ -z "$s_time" ]; then
        echo "run.sh: no time in SMPI's output for P=$p; see $log (-k keeps it)" >&2
        status=1
        continue
    fi
    [ -n "$s_wall" ] || s_wall=$s_proc
    # the envelope's cost: 16 bytes per step at the rate that binds every message of the ring
    # (a NIC shared by K rings, B / K; a striped ring's leaf uplink, B / (R K), or group pair,
    # 2 B / (P / G x K)); none for mixed rings, whose messages do not all move at one rate
    awk -v p="$p" -v S="$bytes" -v ut="$u_time" -v st="$s_time" -v uw="$u_wall" -v sw="$s_wall" \
        -v up="$u_proc" -v sp="$s_proc" -v K="$rings" -v kind="$kind" -v order="$order" -v A="$arg" 'BEGIN {
        B = 50e9; rate = B / K
        if (order == "striped" && kind == "tree") rate = B / (A * K)
        if (order == "striped" && kind == "dragonfly" && 2 * B / (p / A * K) < rate) rate = 2 * B / (p / A * K)
        env = order == "mixed" ? "-" : sprintf("%.1f", 2 * (p - 1) * 16 / rate * 1e9)
        printf "%6d %12d %14.9f %14.9f %10.7f %8.1f %8s %12.6f %12.3f %10.0f %12.3f %12.3f\n",
               p, S, ut, st, st / ut, (st - ut) * 1e9, env, uw, sw, (uw > 0 ? sw / uw : 0), up, sp }'
done
echo "time_ratio: SMPI / Usine simulated time. diff_ns: SMPI - Usine. env_ns: what SMPI's 16-byte envelope" \
    "per message adds, 2(P-1) x 16 B at the rate that binds the ring's messages. wall_ratio: SMPI / Usine wall" \
    "time of the simulation proper (Usine's wall_s, SMPI's 'simulation took'). *_proc_s: wall time of the whole command."
exit $status

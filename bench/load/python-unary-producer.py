"""
The bench's unary producer outside Node: one `Enqueue` per task through Python's grpcio
(gRPC's C core), as a Python service calls codeQ. Node's gRPC clients pause for
young-generation collections of several milliseconds at 1,000 calls/s on a small machine,
which a task sent meanwhile carries as latency; this generator has no such pauses.

Run by python-unary-producer.ts, which prepares every request: argv[1] is a JSON file of
settings, argv[2] the requests, each as <u32 length><u32 stamp offset><request bytes>
(little-endian). At send time the stamp's monotonic send time (float64 ns at the offset)
and wall-clock send time (float64 ms at offset + 16) are written into the payload, as the
Node producers stamp theirs (bench/core/stamp.ts); an offset of 0xFFFFFFFF: no stamp.

Settings: `address`, `rate` (calls per second, open-loop; 0: as fast as `maxInflight`
allows), `durationMs`, `maxInflight`, and optionally `method` (the unary method's path,
default codeQ's Enqueue; the floor scenario calls its echo) and `cycle` (the floor's way:
send the requests over again, and at a rate exactly the schedule's calls, however late,
rather than what fell due before the time was up).

Writes one JSON line to stdout per second ({"sent": n, "us": [latencies]}) and a last one
({"done": {...}}).
"""

import json
import struct
import sys
import threading
import time

import grpc

ENQUEUE = "/codeq.v1.TaskService/Enqueue"
NO_STAMP = 0xFFFFFFFF


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        settings = json.load(f)
    with open(sys.argv[2], "rb") as f:
        data = f.read()
    requests = []
    at = 0
    while at < len(data):
        length, offset = struct.unpack_from("<II", data, at)
        at += 8
        requests.append((bytearray(data[at : at + length]), offset))
        at += length

    rate = float(settings["rate"])
    duration_s = settings["durationMs"] / 1000
    max_inflight = int(settings["maxInflight"])
    method = settings.get("method") or ENQUEUE
    cycle = bool(settings.get("cycle"))

    channel = grpc.insecure_channel(settings["address"])
    grpc.channel_ready_future(channel).result(timeout=10)
    # No serializers: the requests are protobuf bytes already, the replies are not read.
    enqueue = channel.unary_unary(method)

    lock = threading.Condition()
    state = {"inflight": 0, "failed": 0, "first_error": None, "last_reply": time.monotonic()}
    interval = {"sent": 0, "us": []}
    out_lock = threading.Lock()

    def emit(line: dict) -> None:
        with out_lock:
            sys.stdout.write(json.dumps(line) + "\n")
            sys.stdout.flush()

    def replied(future: grpc.Future, sent_ns: int) -> None:
        us = (time.monotonic_ns() - sent_ns) / 1000
        with lock:
            error = future.exception()
            if error is None:
                interval["us"].append(round(us))
            else:
                state["failed"] += 1
                if state["first_error"] is None:
                    state["first_error"] = f"{method}: {error.code().name} {error.details()}"
            state["inflight"] -= 1
            state["last_reply"] = time.monotonic()
            lock.notify_all()

    def report() -> None:
        with lock:
            line = {"sent": interval["sent"], "us": interval["us"]}
            interval["sent"] = 0
            interval["us"] = []
        emit(line)

    stop_reports = threading.Event()

    def reporter() -> None:
        while not stop_reports.wait(1.0):
            report()

    threading.Thread(target=reporter, daemon=True).start()

    cpu_start = time.process_time()
    start = time.monotonic()
    max_lag = 0.0
    sent = 0
    # A producer sends what falls due until the time is up, as the Node producers do. The
    # floor's echo (cycle) sends the schedule's calls, round(rate x duration) of them, however
    # late the machine lets them go, as the floor's Node client does; closed loop, until the
    # time is up.
    scheduled = round(rate * duration_s) if cycle and rate > 0 else None
    at = 0
    while at < len(requests) and (scheduled is None or sent < scheduled):
        message, offset = requests[at]
        at = (at + 1) % len(requests) if cycle else at + 1
        now = time.monotonic()
        if scheduled is None and now - start >= duration_s:
            break
        if rate > 0:
            due = start + sent / rate
            if due > now:
                time.sleep(due - now)
            else:
                max_lag = max(max_lag, now - due)
        with lock:
            while state["inflight"] >= max_inflight:
                lock.wait()
            state["inflight"] += 1
            interval["sent"] += 1
        sent_ns = time.monotonic_ns()
        if offset != NO_STAMP:
            struct.pack_into("<d", message, offset, float(sent_ns))
            struct.pack_into("<d", message, offset + 16, float(time.time_ns() // 1_000_000))
        future = enqueue.future(bytes(message))
        future.add_done_callback(lambda f, t=sent_ns: replied(f, t))
        sent += 1

    with lock:
        lock.wait_for(lambda: state["inflight"] == 0, timeout=30)
        inflight = state["inflight"]
    stop_reports.set()
    report()
    emit(
        {
            "done": {
                "sent": sent,
                "failed": state["failed"] + inflight,
                "firstError": state["first_error"]
                or (f"{inflight} enqueues unanswered after 30 s" if inflight else None),
                "elapsedMs": round((state["last_reply"] - start) * 1000),
                "maxLagMs": round(max_lag * 1000),
                "cpuMs": round((time.process_time() - cpu_start) * 1000),
            }
        }
    )
    channel.close()


if __name__ == "__main__":
    main()

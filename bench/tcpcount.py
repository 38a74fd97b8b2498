#!/usr/bin/env python3
"""tcpcount.py PORTFILE TARGET_PORT COUNTFILE: a TCP relay on 127.0.0.1 that
forwards every connection to 127.0.0.1:TARGET_PORT and counts the bytes in
each direction, for bench/parents.sh: what a client (skopeo) really sends to
a registry, HTTP included. It listens on a free port, writes that port to
PORTFILE, and after every connection that ends rewrites COUNTFILE as
"SENT RECEIVED OPEN" (bytes client -> server, server -> client, connections
still open). It runs until killed."""
import os
import socket
import sys
import threading

portfile, target, countfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
totals = {"up": 0, "down": 0, "open": 0}


def publish():
    tmp = countfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %d %d\n" % (totals["up"], totals["down"], totals["open"]))
    os.replace(tmp, countfile)


def pump(src, dst, key, done):
    n = 0
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
            n += len(b)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        with lock:
            totals[key] += n
        done.release()


def serve(client):
    server = socket.create_connection(("127.0.0.1", target))
    done = threading.Semaphore(0)
    threading.Thread(target=pump, args=(client, server, "up", done), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, "down", done), daemon=True).start()
    done.acquire()
    done.acquire()
    client.close()
    server.close()
    with lock:
        totals["open"] -= 1
        publish()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
with lock:
    publish()
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % listener.getsockname()[1])
os.replace(portfile + ".tmp", portfile)
while True:
    c, _ = listener.accept()
    with lock:
        totals["open"] += 1
        publish()
    threading.Thread(target=serve, args=(c,), daemon=True).start()

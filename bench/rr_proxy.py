"""One address in front of several Odoo HTTP nodes: a round-robin TCP proxy (what a load balancer
such as haproxy or nginx does in front of a multi-node Odoo), for bench/run_multinode.sh.

    python3 bench/rr_proxy.py --port 8080 127.0.0.1:8069 127.0.0.1:8070

Each new client connection goes to the next node (an HTTP keep-alive connection stays on its
node); a node that refuses the connection is skipped. On SIGTERM it prints the connections each
node received, as JSON, and exits.
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import argparse
import asyncio
import itertools
import json
import signal
import sys

CHUNK = 65536


async def pipe(reader, writer):
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        return  # the other side went away
    finally:
        writer.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("nodes", nargs="+", help="host:port of each Odoo node")
    args = parser.parse_args()
    nodes = [(node.rsplit(":", 1)[0], int(node.rsplit(":", 1)[1])) for node in args.nodes]
    turn = itertools.cycle(range(len(nodes)))
    connections = {f"{host}:{port}": 0 for host, port in nodes}

    async def handle(client_reader, client_writer):
        for _attempt in range(len(nodes)):
            host, port = nodes[next(turn)]
            try:
                node_reader, node_writer = await asyncio.open_connection(host, port)
            except OSError:
                continue
            connections[f"{host}:{port}"] += 1
            await asyncio.gather(pipe(client_reader, node_writer), pipe(node_reader, client_writer))
            return
        client_writer.close()  # no node answers: the client sees the connection closed

    async def serve():
        server = await asyncio.start_server(handle, args.host, args.port, backlog=256)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        print(f"proxy on {args.host}:{args.port} -> {', '.join(connections)}", flush=True)
        async with server:
            await stop.wait()
        print(json.dumps({"connections_per_node": connections}), flush=True)

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())

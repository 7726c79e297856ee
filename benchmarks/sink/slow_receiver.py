"""A receiver that answers 200 after a fixed delay (default 50 ms), for the sink benchmark's
maxInFlight curve: with a slow partner, throughput should grow with requests in flight.
Usage: slow_receiver.py PORT [DELAY_MS]"""
import asyncio
import sys

from aiohttp import web


async def handle(request: web.Request) -> web.Response:
    await request.read()
    await asyncio.sleep(DELAY)
    return web.Response(status=200)


if __name__ == "__main__":
    port = int(sys.argv[1])
    DELAY = (float(sys.argv[2]) if len(sys.argv) > 2 else 50.0) / 1000
    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)

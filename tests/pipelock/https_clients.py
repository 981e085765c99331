"""Python's urllib as an agent would use it: HTTPS through pipelock with the
bottle's CA. Prints the status, then the body or the block reason."""
import ssl
import sys
import urllib.error
import urllib.request

proxy, url, ca = sys.argv[1:4]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
ctx = ssl.create_default_context(cafile=ca)
opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({"https": proxy, "http": proxy}),
    urllib.request.HTTPSHandler(context=ctx))
try:
    with opener.open(urllib.request.Request(url, data=data), timeout=20) as r:
        print(r.status, r.read().decode(), end="")
except urllib.error.HTTPError as e:
    print(e.code, e.headers.get("X-Pipelock-Block-Reason"))

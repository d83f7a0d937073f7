"""Starts a Reaper, then an 'engine': a multiprocessing (spawn) child that starts a grandchild, like vLLM's
EngineCore and Worker; prints their PIDs and waits to be killed. usage: python reaper_driver.py [close]"""

import multiprocessing
import subprocess
import sys
import time

from mtcodegen.generate.backends.reaper import Reaper


def engine_core(queue):
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    queue.put(worker.pid)
    time.sleep(300)


if __name__ == "__main__":
    reaper = Reaper()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    core = context.Process(target=engine_core, args=(queue,), daemon=False)
    core.start()
    print(reaper.process.pid, core.pid, queue.get(timeout=60), flush=True)
    if sys.argv[1:] == ["close"]:
        reaper.close()
        print("closed", reaper.process.returncode, flush=True)
    time.sleep(300)

"""handler.py: a local handler of gattd's socket in its own thread (README, "Handlers").

It claims characteristics with `handle` and answers each read-request and
write-request with what decide(event) returns (the `answer` fields), as a
provisioning daemon beside gattd would. Every request and answer is kept for
the scenario to check.
"""
import threading

from gattd_client import GattdClient, GattdClientError


class Handler(threading.Thread):
    def __init__(self, path, chars, decide, name='handler'):
        super().__init__(name=name, daemon=True)
        self.client = GattdClient(path, name)
        self.client.ok('handle', chars=chars)
        self.decide = decide
        self.requests = []       # (event, answer fields), in order
        self.problems = []       # answers gattd refused, connection errors
        self._quit = threading.Event()
        self._lock = threading.Lock()

    def run(self):
        try:
            while not self._quit.is_set():
                event = self.client.wait_event(lambda e: e['event'] in ('read-request', 'write-request'), 0.2)
                for request_id, reply in list(self.client.replies.items()):
                    if not reply.get('ok'):
                        self.problems.append(f'answer refused: {reply.get("error")}')
                    self.client.replies.pop(request_id)
                if event is None:
                    continue
                fields = self.decide(event)
                # Kept first: the central may hear the answer before send() returns.
                with self._lock:
                    self.requests.append((event, fields))
                self.client.send('answer', request=event['request'], **fields)
        except (GattdClientError, OSError) as e:
            self.problems.append(f'connection: {e}')

    def taken(self):
        """The requests answered since the last call."""
        with self._lock:
            taken, self.requests = self.requests, []
        return taken

    def stop(self):
        self._quit.set()
        self.join(5)
        self.client.close()

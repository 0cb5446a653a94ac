"""`superspec step`: the versioned JSON contract between CI pipeline steps and the runners.

contract (the messages), params (reading them), dispatch (params -> runner -> result), runners
(the adapters), messages (errors as messages).
"""

"""`superspec step`: the versioned JSON contract between CI pipeline steps and the runners.

contract (the messages, as pydantic models: the published schemas), codes (its version and exit
codes), params (reading them), paramsmemo (an unchanged params file's validated values), dispatch
(params -> runner -> result), context (what a runner's adapter gets), messages (results and
errors as the contract's messages).
"""

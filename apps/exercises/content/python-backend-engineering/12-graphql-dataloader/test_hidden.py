import asyncio

from solution import DataLoader


class Recorder:
    def __init__(self, fail_on=None, wrong_length=False, delay=0.0):
        self.calls = []
        self.fail_on = fail_on
        self.wrong_length = wrong_length
        self.delay = delay

    async def batch(self, keys):
        self.calls.append(list(keys))
        await asyncio.sleep(self.delay)
        if self.fail_on is not None and self.fail_on in keys:
            raise ConnectionError("database went away")
        if self.wrong_length:
            return [k * 10 for k in keys][:-1]
        return [k * 10 for k in keys]


def test_max_batch_size_splits_calls(check):
    rec = Recorder()

    async def main():
        loader = DataLoader(rec.batch, max_batch_size=2)
        return await asyncio.gather(*(loader.load(k) for k in [1, 2, 3, 4, 5]))

    check("results of load(1) .. load(5), max_batch_size=2", asyncio.run(main()))
    check("keys of each batch_load call", rec.calls)


def test_sequential_loads_are_separate_batches(check):
    rec = Recorder(delay=0.001)

    async def main():
        loader = DataLoader(rec.batch)
        a = await loader.load(1)
        b = await loader.load(2)
        return a, b

    check("(await load(1), await load(2))", asyncio.run(main()))
    check("keys of each batch_load call", rec.calls)


def test_failure_reaches_every_waiter_and_is_not_cached(check):
    rec = Recorder(fail_on=2)

    async def main():
        loader = DataLoader(rec.batch)
        results = await asyncio.gather(loader.load(1), loader.load(2), loader.load(2), return_exceptions=True)
        rec.fail_on = None
        retried = await loader.load(2)
        return results, retried

    results, retried = asyncio.run(main())
    check(
        "load(1), load(2), load(2) with a failing batch: which ones raised a ConnectionError",
        [isinstance(r, ConnectionError) for r in results],
    )
    check("load(2) again once the database is back", retried)
    check("keys of each batch_load call", rec.calls)


def test_wrong_length_is_value_error(check):
    rec = Recorder(wrong_length=True)

    async def main():
        loader = DataLoader(rec.batch)
        return await asyncio.gather(loader.load(1), loader.load(2), return_exceptions=True)

    got = asyncio.run(main())
    check(
        "load(1), load(2) when batch_load returns one value too few: which ones raised a ValueError",
        [isinstance(r, ValueError) for r in got],
    )
    check("keys of each batch_load call", rec.calls)


def test_clear_forgets_one_key(check):
    rec = Recorder()

    async def main():
        loader = DataLoader(rec.batch)
        await loader.load_many([1, 2])
        loader.clear(1)
        await loader.load(1)
        await loader.load(2)

    asyncio.run(main())
    check("keys of each batch_load call (load_many([1, 2]), clear(1), load(1), load(2))", rec.calls)


def test_load_many_keeps_order_and_batches(check):
    rec = Recorder()

    async def main():
        loader = DataLoader(rec.batch)
        return await loader.load_many([3, 1, 3, 2])

    check("load_many([3, 1, 3, 2])", asyncio.run(main()))
    check("keys of each batch_load call", rec.calls)


def test_in_flight_key_is_shared_not_refetched(check):
    rec = Recorder(delay=0.02)

    async def main():
        loader = DataLoader(rec.batch)
        first = asyncio.ensure_future(loader.load(7))
        await asyncio.sleep(0.005)  # the batch for 7 is now running
        second = await asyncio.gather(loader.load(7), loader.load(8))
        return await first, second

    check("(first load(7), [load(7), load(8)] while 7 is in flight)", asyncio.run(main()))
    check("keys of each batch_load call", rec.calls)


def test_cancelled_waiter_does_not_hurt_others(check):
    rec = Recorder(delay=0.02)

    async def main():
        loader = DataLoader(rec.batch)
        impatient = asyncio.ensure_future(loader.load(5))
        patient = asyncio.ensure_future(loader.load(5))
        await asyncio.sleep(0.005)
        impatient.cancel()
        return await patient

    check("load(5) of the waiter that was not cancelled", asyncio.run(main()))


def test_none_results_are_values(check):
    calls = []

    async def batch(keys):
        calls.append(list(keys))
        return [None for _ in keys]

    async def main():
        loader = DataLoader(batch)
        return await asyncio.gather(loader.load("missing"), loader.load("gone"))

    check("gather(load('missing'), load('gone')) when every row is None", asyncio.run(main()))
    check("keys of each batch_load call", calls)

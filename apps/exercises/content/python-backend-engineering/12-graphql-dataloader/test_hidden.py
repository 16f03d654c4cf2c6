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


def test_max_batch_size_splits_calls():
    rec = Recorder()

    async def main():
        loader = DataLoader(rec.batch, max_batch_size=2)
        return await asyncio.gather(*(loader.load(k) for k in [1, 2, 3, 4, 5]))

    got = asyncio.run(main())
    assert got == [10, 20, 30, 40, 50], f"unexpected results {got!r}"
    assert rec.calls == [[1, 2], [3, 4], [5]], f"expected [[1, 2], [3, 4], [5]], got {rec.calls!r}"


def test_sequential_loads_are_separate_batches():
    rec = Recorder(delay=0.001)

    async def main():
        loader = DataLoader(rec.batch)
        a = await loader.load(1)
        b = await loader.load(2)
        return a, b

    assert asyncio.run(main()) == (10, 20)
    assert rec.calls == [[1], [2]], f"awaited one after another: expected [[1], [2]], got {rec.calls!r}"


def test_failure_reaches_every_waiter_and_is_not_cached():
    rec = Recorder(fail_on=2)

    async def main():
        loader = DataLoader(rec.batch)
        results = await asyncio.gather(loader.load(1), loader.load(2), loader.load(2), return_exceptions=True)
        rec.fail_on = None
        retried = await loader.load(2)
        return results, retried

    results, retried = asyncio.run(main())
    assert all(isinstance(r, ConnectionError) for r in results), f"every waiter should get the error, got {results!r}"
    assert retried == 20, f"a failed key must be fetched again, got {retried!r}"
    assert rec.calls == [[1, 2], [2]], f"expected [[1, 2], [2]], got {rec.calls!r}"


def test_wrong_length_is_value_error():
    rec = Recorder(wrong_length=True)

    async def main():
        loader = DataLoader(rec.batch)
        return await asyncio.gather(loader.load(1), loader.load(2), return_exceptions=True)

    got = asyncio.run(main())
    assert all(isinstance(r, ValueError) for r in got), f"expected ValueError for every key, got {got!r}"


def test_clear_forgets_one_key():
    rec = Recorder()

    async def main():
        loader = DataLoader(rec.batch)
        await loader.load_many([1, 2])
        loader.clear(1)
        await loader.load(1)
        await loader.load(2)

    asyncio.run(main())
    assert rec.calls == [[1, 2], [1]], f"only the cleared key should be fetched again, got {rec.calls!r}"


def test_load_many_keeps_order_and_batches():
    rec = Recorder()

    async def main():
        loader = DataLoader(rec.batch)
        return await loader.load_many([3, 1, 3, 2])

    got = asyncio.run(main())
    assert got == [30, 10, 30, 20], f"unexpected results {got!r}"
    assert rec.calls == [[3, 1, 2]], f"expected one call [3, 1, 2], got {rec.calls!r}"


def test_in_flight_key_is_shared_not_refetched():
    rec = Recorder(delay=0.02)

    async def main():
        loader = DataLoader(rec.batch)
        first = asyncio.ensure_future(loader.load(7))
        await asyncio.sleep(0.005)  # the batch for 7 is now running
        second = await asyncio.gather(loader.load(7), loader.load(8))
        return await first, second

    got = asyncio.run(main())
    assert got == (70, [70, 80]), f"unexpected results {got!r}"
    assert rec.calls == [[7], [8]], f"key 7 was in flight and must not be fetched twice, got {rec.calls!r}"


def test_cancelled_waiter_does_not_hurt_others():
    rec = Recorder(delay=0.02)

    async def main():
        loader = DataLoader(rec.batch)
        impatient = asyncio.ensure_future(loader.load(5))
        patient = asyncio.ensure_future(loader.load(5))
        await asyncio.sleep(0.005)
        impatient.cancel()
        return await patient

    got = asyncio.run(main())
    assert got == 50, f"the other waiter should still get 50, got {got!r}"


def test_none_results_are_values():
    async def batch(keys):
        return [None for _ in keys]

    async def main():
        loader = DataLoader(batch)
        return await asyncio.gather(loader.load("missing"), loader.load("gone"))

    assert asyncio.run(main()) == [None, None]

import asyncio

from solution import DataLoader

LESSONS = {1: ["REST vs GraphQL"], 2: ["Caching", "Compression"], 3: ["Rate limiting"]}


class FakeDB:
    def __init__(self):
        self.queries = []

    async def lessons_for_modules(self, module_ids):
        self.queries.append(list(module_ids))
        await asyncio.sleep(0.005)
        return [LESSONS.get(m, []) for m in module_ids]


def test_concurrent_loads_become_one_query():
    db = FakeDB()

    async def main():
        loader = DataLoader(db.lessons_for_modules)
        return await asyncio.gather(*(loader.load(m) for m in [1, 2, 3, 2]))

    got = asyncio.run(main())
    want = [LESSONS[1], LESSONS[2], LESSONS[3], LESSONS[2]]
    assert got == want, f"expected {want!r}, got {got!r}"
    assert db.queries == [[1, 2, 3]], f"expected one query for distinct keys [1, 2, 3], got {db.queries!r}"


def test_results_are_cached_per_loader():
    db = FakeDB()

    async def main():
        loader = DataLoader(db.lessons_for_modules)
        await asyncio.gather(loader.load(1), loader.load(2))
        again = await loader.load(1)
        return again

    got = asyncio.run(main())
    assert got == LESSONS[1], f"unexpected value {got!r}"
    assert db.queries == [[1, 2]], f"the second load(1) should come from the cache, queries: {db.queries!r}"


def test_resolvers_in_a_task_group():
    db = FakeDB()

    async def main():
        loader = DataLoader(db.lessons_for_modules)

        async def resolve(module_id):
            return module_id, len(await loader.load(module_id))

        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(resolve(m)) for m in (3, 1, 4)]
        return [t.result() for t in tasks]

    got = asyncio.run(main())
    assert got == [(3, 1), (1, 1), (4, 0)], f"unexpected results {got!r}"
    assert db.queries == [[3, 1, 4]], f"expected one query [3, 1, 4], got {db.queries!r}"

"""Visible tests: each one calls your code and checks what it returns.

A check is `check(label, value)`: the grader compares `value` with what the reference
solution gives for the same label, outside the sandbox. The expected values are listed
on the exercise page and shown in a failing test's message.
"""

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


def test_concurrent_loads_become_one_query(check):
    db = FakeDB()

    async def main():
        loader = DataLoader(db.lessons_for_modules)
        return await asyncio.gather(*(loader.load(m) for m in [1, 2, 3, 2]))

    check("results of gather(load(1), load(2), load(3), load(2))", asyncio.run(main()))
    check("keys of each batch_load call", db.queries)


def test_results_are_cached_per_loader(check):
    db = FakeDB()

    async def main():
        loader = DataLoader(db.lessons_for_modules)
        await asyncio.gather(loader.load(1), loader.load(2))
        return await loader.load(1)

    check("load(1) after gather(load(1), load(2))", asyncio.run(main()))
    check("keys of each batch_load call", db.queries)


def test_resolvers_in_a_task_group(check):
    db = FakeDB()

    async def main():
        loader = DataLoader(db.lessons_for_modules)

        async def resolve(module_id):
            return module_id, len(await loader.load(module_id))

        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(resolve(m)) for m in (3, 1, 4)]
        return [t.result() for t in tasks]

    check("(module, number of lessons) for modules 3, 1, 4", asyncio.run(main()))
    check("keys of each batch_load call", db.queries)

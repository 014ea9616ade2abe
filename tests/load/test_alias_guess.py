"""A document is built without alias bookkeeping only when its text can hold no alias."""

from __future__ import annotations

import random

import yaml

from podwarden.load import yaml as yamlload

PIECES = [
    "a: &x 1\n", "b: *x\n", "c: [*x, 2]\n", "d: {k: *x}\n", 'e: {"k":*x}\n', "f:\n- *x\n", "g: !!str *x\n",
    "? *x\n: v\n", "h: [1,*x]\n", "i: {a: 1,k: *x}\n", "j:\t*x\n", "--- *x\n", "k: '*x'\n", "l: a*x\n",
    "m: &y [1]\n", "n: *y\n", "o: [ *y ]\n", "q: !t *x\n", "r: &z\n  s: 1\n", "t: *z\n", "u: [*z]\n",
    "v: run a && b\n", "w: /var/*\n", 'x: "*"\n', "y: 1\x85z: *x\n", "cron: '*/5 * * * *'\n",
    "k2: [?*x]\n", "k3: {?*x : 1}\n", "k4: [1,?*x]\n",
]


def test_every_alias_the_parser_meets_is_guessed() -> None:
    rng = random.Random(5)
    aliased = 0
    for _ in range(3000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 5)))
        try:
            events = list(yaml.parse(text, Loader=yamlload._Loader))
        except yaml.YAMLError:
            continue
        if any(isinstance(e, yaml.AliasEvent) for e in events):
            aliased += 1
            assert yamlload._may_alias(text), text
    assert aliased > 1000


def test_scripts_globs_and_quoted_stars_are_no_alias() -> None:
    assert not yamlload._may_alias("a: &x 1\nb: sh -c 'make && ls /tmp/*.log'\nc: ['*']\nd: a*b\n")
    assert yamlload._may_alias("*x")


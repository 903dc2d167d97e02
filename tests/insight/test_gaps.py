"""KB gaps: questions the bot could not settle, grouped by topic, biggest first, each
labelled by its most typical wording. The fixture's topics are known."""

from __future__ import annotations

from kb.gaps import Asked, find_gaps

TOPICS = {
    "meeting rooms in Lisbon": [
        "how do I book a meeting room in Lisbon",
        "book meeting room lisbon office",
        "can't book a meeting room in the Lisbon office",
        "lisbon meeting room booking",
        "where do I book meeting rooms in lisbon?",
    ],
    "coffee machine": [
        "the coffee machine on floor 2 is broken",
        "coffee machine broken again",
        "coffee machine on floor 2 is leaking",
        "who fixes the coffee machine",
    ],
    "salesforce login": [
        "salesforce login loops back to the start page",
        "salesforce keeps looping on login",
        "cannot log in to salesforce, it loops",
    ],
    "business cards": [
        "how do I order business cards",
        "order new business cards",
        "business cards request for my new title",
    ],
}
ONE_OFFS = [
    "my chair is broken",
    "where is the fire exit plan",
    "is the canteen open on saturday",
    "printer toner empty on floor 4",
]


def asked() -> list[Asked]:
    questions = [q for topic in TOPICS.values() for q in topic] + ONE_OFFS
    return [Asked(q) for q in sorted(questions)]  # no help from the fixture's order


def test_questions_fall_into_their_topics_biggest_first() -> None:
    clusters = find_gaps(asked())

    assert [set(c.questions) for c in clusters] == [set(t) for t in TOPICS.values()]


def test_one_off_questions_are_not_gaps() -> None:
    clustered = {q for c in find_gaps(asked()) for q in c.questions}

    assert clustered.isdisjoint(ONE_OFFS)
    assert {q for c in find_gaps(asked(), min_size=1) for q in c.questions} >= set(ONE_OFFS)


def test_a_cluster_is_labelled_by_its_most_typical_question() -> None:
    rooms = find_gaps(asked())[0]

    assert rooms.label == "how do I book a meeting room in Lisbon"
    assert rooms.count == 5
    assert rooms.examples(2) == [  # "can't book ... office" says nothing new: same words
        "book meeting room lisbon office",
        "where do I book meeting rooms in lisbon?",
    ]


def test_examples_skip_repeats_of_the_same_words() -> None:
    repeated = [Asked("coffee machine broken"), Asked("Coffee machine broken!")] * 2
    cluster = find_gaps([*repeated, Asked("the coffee machine is leaking")])[0]

    assert cluster.count == 5
    assert len(cluster.examples()) == 1  # the other wording, once


def test_the_articles_that_did_not_help_are_counted() -> None:
    tried = [
        Asked("salesforce login loops", "account-cannot-log-in"),
        Asked("salesforce keeps looping on login", "account-cannot-log-in"),
        Asked("salesforce login loop again", "browser-certificate-error"),
    ]

    (cluster,) = find_gaps(tried)

    assert cluster.tried == (("account-cannot-log-in", 2), ("browser-certificate-error", 1))


def test_nothing_to_cluster() -> None:
    assert find_gaps([]) == []
    assert find_gaps([Asked("?!"), Asked("...")]) == []
    assert find_gaps([Asked("coffee machine broken")]) == []

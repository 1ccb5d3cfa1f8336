"""Stage advice (seed rule 7): build for today plus one level ahead, not three.

The number of models in production sets the stage: it decides which categories are justified
now, which are one level ahead, and which wait for their trigger.
"""

from dataclasses import dataclass

# (fewest models in production, name, justified today, one level ahead)
STAGES = [
    (0, "Before the first model", ["experiment-tracking", "model-registry"], ["model-serving", "monitoring"]),
    (1, "First model in production",
     ["experiment-tracking", "model-registry", "model-serving", "monitoring"], ["pipeline-orchestration"]),
    (2, "Second model and beyond",
     ["experiment-tracking", "model-registry", "model-serving", "monitoring", "pipeline-orchestration"], []),
]


@dataclass
class Advice:
    stage: str
    models_in_production: int
    today: list
    ahead: list
    on_trigger: list  # categories that wait for their trigger, whatever the stage

    def is_ahead_of_stage(self, category) -> bool:
        return category not in self.today and category not in self.ahead


def stage_advice(models_in_production: int, categories: list) -> Advice:
    """Which of `categories` are justified today, one level ahead, or only on their trigger."""
    _, name, today, ahead = next(s for s in reversed(STAGES) if models_in_production >= s[0])
    by_key = {category.key: category for category in categories}
    return Advice(
        stage=name,
        models_in_production=models_in_production,
        today=[by_key[key] for key in today if key in by_key],
        ahead=[by_key[key] for key in ahead if key in by_key],
        on_trigger=[c for c in categories if c.key not in today and c.key not in ahead],
    )

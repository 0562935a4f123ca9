"""Model-card templates (installed as ``zoo.model_cards``), filled from a model's data when it is
published to the Hugging Face Hub."""

"""What comes in as code: Python snippets read (never run) into designs, and Hugging Face lr_scheduler_types."""

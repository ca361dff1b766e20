completion
bash

from single_shot_eval.cli import main

main()

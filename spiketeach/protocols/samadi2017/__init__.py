"""Protocols of Samadi et al. (2017): tuning curves (Figs. 1-2), the teacher-student task
(Figs. 3-4), MNIST training (Fig. 5, Table 2).
"""
